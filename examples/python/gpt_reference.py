"""PyTorch reference for `pnpm gpt`: the same GPT, data, split and training recipe, timed.

Trains the default configuration of examples/src/gpt.ts (DEFAULTS there) on the English first names
with the split of `pnpm makemore` (90/10, Python's `random.seed(42); random.shuffle` of the sorted
names, which loadNames reproduces), in float32: batches of 32 random training names, each batch as
long as its longest name + 1, AdamW with nanoGPT's parameter groups, warm-up then cosine, gradient
clipping. The batches and the initial weights are PyTorch's own draws, so the figures agree with
tsgrad's in distribution, not digit for digit (examples/test/gpt-parity.test.ts checks the digits).
Prints the val NLL (every character and end of every val name) and the wall time, and writes
examples/python/gpt_reference.json. Run from the repository root:

    /usr/bin/python3 examples/python/gpt_reference.py [--steps 2000] [--threads 1]
"""

import argparse
import json
import math
import os
import platform
import random
import time

import torch

from gpt_parity import GPT, load_names, name_rows, param_groups, warmup_cosine_lr

HERE = os.path.dirname(os.path.abspath(__file__))


def split_names(names, ratios=(0.9, 0.1), seed=42):
    words = list(names)
    random.seed(seed)
    random.shuffle(words)
    n1 = math.floor(ratios[0] * len(words))
    return words[:n1], words[n1:]


def batch_of(names, stoi):
    t = max(len(n) for n in names) + 1
    x, y = name_rows(names, stoi, t)
    return torch.tensor(x), torch.tensor(y)


@torch.no_grad()
def evaluate(model, names, stoi):
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(names), 256):
        x, y = batch_of(names[i : i + 256], stoi)
        n = int((y != -1).sum())
        total += model(x, y).item() * n
        count += n
    model.train()
    return total / count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--n-layer", type=int, default=2)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    names = load_names()
    train, val = split_names(names)
    stoi = {c: i + 1 for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")}
    cfg = {
        "vocabSize": 27,
        "blockSize": max(len(n) for n in names) + 1,
        "nLayer": args.n_layer,
        "nHead": args.n_head,
        "nEmbd": args.n_embd,
        "dropout": 0.0,
        "bias": True,
        "tieWeights": False,
    }
    model = GPT(cfg)
    schedule = {"lr": args.lr, "minLr": args.lr / 10, "warmup": args.warmup, "decaySteps": args.steps}
    optimizer = torch.optim.AdamW(
        param_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.99), eps=1e-8
    )
    rng = random.Random(args.seed)
    started = time.perf_counter()
    cpu_started = time.process_time()
    for it in range(args.steps):
        lr = warmup_cosine_lr(it, schedule)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = batch_of([train[rng.randrange(len(train))] for _ in range(args.batch_size)], stoi)
        loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    val_loss = evaluate(model, val, stoi)
    train_loss = evaluate(model, train, stoi)
    result = {
        "generator": "examples/python/gpt_reference.py",
        "torch": torch.__version__,
        "threads": args.threads,
        "machine": platform.machine(),
        "config": {**cfg, **{k: v for k, v in vars(args).items() if k != "threads"}},
        "trainLoss": train_loss,
        "valLoss": val_loss,
        "seconds": seconds,
        "cpuSeconds": cpu_seconds,
        "msPerStep": 1000 * seconds / args.steps,
    }
    print(
        f"PyTorch {torch.__version__}, {args.threads} thread(s): train loss {train_loss:.4f}, "
        f"val loss {val_loss:.4f}, {seconds:.1f} s wall, {cpu_seconds:.1f} s CPU "
        f"({result['msPerStep']:.1f} ms/step, evaluation excluded)"
    )
    with open(os.path.join(HERE, "gpt_reference.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
