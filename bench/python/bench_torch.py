"""The PyTorch column of `pnpm bench`: the same workloads as bench/src, timed the same way.

Run by bench/src/pytorch.ts as `python3 bench_torch.py CONFIG.json`; it prints one JSON object on
stdout. The config names a directory holding the inputs the TypeScript side wrote, so that both
libraries see the same data and start from the same weights:

- images.f32 (count x 784 float32 pixels in [0, 1]) and labels.i32 (count int32 labels);
- mlp.f32: the article MLP's initial weights and biases (W1 784x50, b1, W2 50x100, b2, W3 100x10,
  b3, weights fan_in x fan_out), float32, back to back;
- lenet.f32: tsgrad's LeNet initial parameters, in the order and shapes of config["lenet"]["params"].

For each thread count in config["threads"] (torch.set_num_threads), it runs warm-up blocks and then
timed blocks of steps, and reports the ms per step of every timed block (the TypeScript side takes
the median, min and max) and the loss of every step (to check that the same work was timed).
"""

import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def blocks(cfg, step):
    """Runs cfg's warm-up and timed blocks of step(i); returns (ms per step of timed blocks, losses)."""
    samples, losses = [], []
    per = cfg["stepsPerRep"]
    for r in range(cfg["warmup"] + cfg["reps"]):
        t0 = time.perf_counter()
        for s in range(per):
            losses.append(step(r * per + s))
        ms = (time.perf_counter() - t0) * 1000 / per
        if r >= cfg["warmup"]:
            samples.append(ms)
    return samples, losses


def mlp(cfg, images, labels, flat):
    sizes = cfg["sizes"]
    params, at = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = torch.from_numpy(flat[at : at + fan_in * fan_out].copy()).reshape(fan_in, fan_out)
        at += fan_in * fan_out
        b = torch.from_numpy(flat[at : at + fan_out].copy())
        at += fan_out
        params += [w.requires_grad_(), b.requires_grad_()]
    w1, b1, w2, b2, w3, b3 = params
    opt = torch.optim.SGD(params, lr=cfg["lr"])
    batch = cfg["batch"]
    batches = len(labels) // batch

    def step(i):
        off = (i % batches) * batch
        x = images[off : off + batch]
        y = labels[off : off + batch]
        h1 = torch.sigmoid(x @ w1 + b1)
        h2 = torch.sigmoid(h1 @ w2 + b2)
        loss = F.cross_entropy(h2 @ w3 + b3, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    return blocks(cfg, step)


class LeNet(nn.Module):
    """packages/nn/src/models/lenet.ts: conv 5x5 (1->8, padding 2), relu, maxpool 2, conv 5x5
    (8->16), relu, maxpool 2, Linear(400 -> 128), relu, Linear(128 -> 10)."""

    def __init__(self, c1=8, c2=16, hidden=128, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 5, padding=2)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.fc1 = nn.Linear(c2 * 5 * 5, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def lenet(cfg, images, labels, flat):
    model = LeNet()
    named = dict(model.named_parameters())
    at = 0
    with torch.no_grad():
        for spec in cfg["params"]:
            p = named[spec["name"]]
            size = int(np.prod(spec["shape"]))
            if list(p.shape) != spec["shape"]:
                raise ValueError(f"bench_torch: {spec['name']} is {list(p.shape)} here, {spec['shape']} in tsgrad")
            p.copy_(torch.from_numpy(flat[at : at + size].copy()).reshape(spec["shape"]))
            at += size
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    batch = cfg["batch"]
    batches = len(labels) // batch
    pixels = images.reshape(-1, 1, 28, 28)

    def step(i):
        off = (i % batches) * batch
        loss = F.cross_entropy(model(pixels[off : off + batch]), labels[off : off + batch])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    return blocks(cfg, step)


def matmul(cfg):
    """ms per n x n product at each size: reps of about repMs each, after warm-up reps."""
    out = {}
    g = torch.Generator().manual_seed(7)
    for n in cfg["sizes"]:
        a = torch.rand(n, n, generator=g) * 2 - 1
        b = torch.rand(n, n, generator=g) * 2 - 1
        t0 = time.perf_counter()
        torch.mm(a, b)
        iters = max(1, round(cfg["repMs"] / max((time.perf_counter() - t0) * 1000, 0.001)))
        samples = []
        for r in range(cfg["warmup"] + cfg["reps"]):
            t0 = time.perf_counter()
            for _ in range(iters):
                torch.mm(a, b)
            if r >= cfg["warmup"]:
                samples.append((time.perf_counter() - t0) * 1000 / iters)
        out[str(n)] = samples
    return out


def main():
    cfg = json.load(open(sys.argv[1]))
    d = cfg["dir"]
    images = torch.from_numpy(np.fromfile(f"{d}/images.f32", dtype=np.float32)).reshape(-1, 784)
    labels = torch.from_numpy(np.fromfile(f"{d}/labels.i32", dtype=np.int32).astype(np.int64))
    result = {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "config": torch.__config__.show(),
        "threads": {},
    }
    for threads in cfg["threads"]:
        torch.set_num_threads(threads)
        r = {}
        if "mlp" in cfg:
            flat = np.fromfile(f"{d}/mlp.f32", dtype=np.float32)
            r["mlp"] = dict(zip(["msPerStep", "losses"], mlp(cfg["mlp"], images, labels, flat)))
        if "lenet" in cfg:
            flat = np.fromfile(f"{d}/lenet.f32", dtype=np.float32)
            r["lenet"] = dict(zip(["msPerStep", "losses"], lenet(cfg["lenet"], images, labels, flat)))
        if "matmul" in cfg:
            r["matmul"] = matmul(cfg["matmul"])
        result["threads"][str(threads)] = r
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
