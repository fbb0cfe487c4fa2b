"""The PyTorch CUDA column of `pnpm bench --device webgpu`: the same workloads on the GPU.

Run by bench/src/webgpu.ts as `python3 bench_torch_cuda.py CONFIG_JSON`; prints one JSON line.
Timing only: inputs are random with MNIST's shapes (the TypeScript side checks the losses against
tsgrad's CPU run); the training set lives on the GPU, as on the tsgrad side. Each figure is the
median over config["reps"] runs after one warm-up run, with torch.cuda.synchronize() at the end.
"""

import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


def timed(run, reps):
    run()
    out = []
    for _ in range(reps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        steps = run()
        torch.cuda.synchronize()
        out.append((time.perf_counter() - t0) * 1000 / steps)
    return statistics.median(out)


def main():
    cfg = json.loads(sys.argv[1])
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device")
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    n = cfg["count"]
    x = torch.rand(n, 784, device=dev)
    y = torch.randint(0, 10, (n,), device=dev)
    reps = cfg["reps"]

    def mlp_run(batch, steps):
        def run():
            model = nn.Sequential(
                nn.Linear(784, 50), nn.Sigmoid(), nn.Linear(50, 100), nn.Sigmoid(), nn.Linear(100, 10)
            ).to(dev)
            opt = torch.optim.SGD(model.parameters(), lr=0.5)
            batches = n // batch
            for s in range(steps):
                off = (s % batches) * batch
                loss = F.cross_entropy(model(x[off : off + batch]), y[off : off + batch])
                opt.zero_grad()
                loss.backward()
                opt.step()
            return steps

        return run

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 5, padding=2)
            self.conv2 = nn.Conv2d(8, 16, 5)
            self.fc1 = nn.Linear(400, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, t):
            t = F.max_pool2d(F.relu(self.conv1(t)), 2)
            t = F.max_pool2d(F.relu(self.conv2(t)), 2)
            return self.fc2(F.relu(self.fc1(t.flatten(1))))

    images = x.reshape(-1, 1, 28, 28)

    def lenet_run():
        model = LeNet().to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        batches = n // 64
        for s in range(cfg["lenetSteps"]):
            off = (s % batches) * 64
            loss = F.cross_entropy(model(images[off : off + 64]), y[off : off + 64])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return cfg["lenetSteps"]

    out = {
        "device": f"CUDA ({torch.cuda.get_device_name(0)}, torch {torch.__version__})",
        "mlp100": timed(mlp_run(100, cfg["steps100"]), reps),
        "mlp1000": timed(mlp_run(1000, cfg["steps1000"]), reps),
        "lenet": timed(lenet_run, reps),
        "matmul": {},
    }
    for size in cfg["matmulSizes"]:
        a = torch.randn(size, size, device=dev)
        b = torch.randn(size, size, device=dev)
        iters = max(1, round(4e11 / (2 * size**3)))
        ms = timed(lambda: [torch.mm(a, b) for _ in range(iters)] and iters, reps + 2)
        out["matmul"][str(size)] = round(2 * size**3 / (ms / 1000) / 1e9, 1)
    print(json.dumps(out))


main()
