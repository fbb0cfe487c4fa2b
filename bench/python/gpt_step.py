"""PyTorch side of `pnpm bench`'s GPT section (bench/src/gpt.ts): times the training step of
`pnpm gpt`'s default model — forward, cross-entropy, backward, clip_grad_norm_, AdamW — on random
full-length batches, and prints JSON {torch, samples (ms per step per repetition), firstLoss, lastLoss}.
The model is examples/python/gpt_parity.py's (nanoGPT's GPT with the attention written out).

    /usr/bin/python3 bench/python/gpt_step.py --n-layer=2 --n-head=4 --n-embd=64 --block=14 --batch=32
"""

import argparse
import json
import os
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))

from gpt_parity import GPT, param_groups  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-layer", type=int, default=2)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=64)
    ap.add_argument("--block", type=int, default=14)
    ap.add_argument("--vocab", type=int, default=27)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--steps-per-rep", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = {
        "vocabSize": args.vocab,
        "blockSize": args.block,
        "nLayer": args.n_layer,
        "nHead": args.n_head,
        "nEmbd": args.n_embd,
        "dropout": 0.0,
        "bias": True,
        "tieWeights": False,
    }
    model = GPT(cfg)
    optimizer = torch.optim.AdamW(param_groups(model, 0.1), lr=3e-3, betas=(0.9, 0.99))
    g = torch.Generator().manual_seed(1)
    data = [
        (
            torch.randint(0, args.vocab, (args.batch, args.block), generator=g),
            torch.randint(0, args.vocab, (args.batch, args.block), generator=g),
        )
        for _ in range(8)
    ]
    losses = []

    def step(i):
        x, y = data[i % len(data)]
        loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())

    i = 0
    for _ in range(args.warmup * args.steps_per_rep):
        step(i)
        i += 1
    samples = []
    for _ in range(args.reps):
        start = time.perf_counter()
        for _ in range(args.steps_per_rep):
            step(i)
            i += 1
        samples.append(1000 * (time.perf_counter() - start) / args.steps_per_rep)
    json.dump({"torch": torch.__version__, "samples": samples, "firstLoss": losses[0], "lastLoss": losses[-1]}, sys.stdout)


if __name__ == "__main__":
    main()
