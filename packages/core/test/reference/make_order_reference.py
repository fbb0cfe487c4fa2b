"""Reference values from PyTorch for the scan, order, rearrangement, norm and einsum ops.

Run with /usr/bin/python3 (torch 1.13) from the repository root:
    /usr/bin/python3 packages/core/test/reference/make_order_reference.py
It writes order-reference.json beside itself (then run `npx biome format --write` on it, as the
repository's formatter lays JSON out); the tests read that file and never run Python.
Every case holds its inputs, PyTorch's outputs and, for differentiable ops, the gradient of
sum(output * w) for the weights w it also stores.
"""
import json
import math
import os

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def enc(t):
    t = t.detach()
    vals = [None if math.isnan(v) else (('inf' if v > 0 else '-inf') if math.isinf(v) else v) for v in t.flatten().tolist()]
    return {"shape": list(t.shape), "data": vals}


def grad_case(fn, *inputs):
    """Output of fn and the gradient of sum(out * w) w.r.t. each input (zeros where none), w drawn here."""
    xs = [x.clone().requires_grad_(True) for x in inputs]
    out = fn(*xs)
    w = torch.rand(out.shape) + 0.5
    (out * w).sum().backward()
    return {"inputs": [enc(x) for x in xs], "out": enc(out), "w": enc(w), "grads": [enc(torch.zeros_like(x) if x.grad is None else x.grad) for x in xs]}


cases = []


def add(op, args, **payload):
    cases.append({"op": op, "args": args, **payload})


x34 = torch.randn(3, 4)
x234 = torch.randn(2, 3, 4)
zeros = torch.tensor([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, 2.0], [1.0, -2.0, 0.5, 0.0]])

for dim in [0, 1, -1]:
    add("cumsum", {"dim": dim}, **grad_case(lambda t: torch.cumsum(t, dim), x34))
    add("cumprod", {"dim": dim}, **grad_case(lambda t: torch.cumprod(t, dim), x34))
    add("cumprod", {"dim": dim}, **grad_case(lambda t: torch.cumprod(t, dim), zeros))
add("cumsum", {"dim": 1}, **grad_case(lambda t: torch.cumsum(t, 1), x234))

# Order ops: values are distinct except where ties are the point (values only, no gradient).
distinct = torch.randperm(24).reshape(2, 3, 4).double() * 0.5 - 5
for dim in [0, 1, -1]:
    for desc in [False, True]:
        v, i = torch.sort(distinct, dim=dim, descending=desc)
        g = grad_case(lambda t: torch.sort(t, dim=dim, descending=desc)[0], distinct)
        add("sort", {"dim": dim, "descending": desc}, **g, indices=enc(i.double()))
ties = torch.tensor([[2.0, 1.0, 2.0, 1.0, 3.0, 1.0], [0.0, 0.0, -1.0, 5.0, -1.0, 0.0]])
for desc in [False, True]:
    v, i = torch.sort(ties, dim=-1, descending=desc, stable=True)
    add("sortStable", {"dim": -1, "descending": desc}, input=enc(ties), values=enc(v), indices=enc(i.double()))
withnan = torch.tensor([[1.0, float("nan"), -2.0, 3.0], [float("nan"), 0.5, 0.25, -1.0]])
for desc in [False, True]:
    v, i = torch.sort(withnan, dim=-1, descending=desc, stable=True)
    add("sortStable", {"dim": -1, "descending": desc}, input=enc(withnan), values=enc(v), indices=enc(i.double()))
for dim in [0, -1]:
    add("argsort", {"dim": dim, "descending": True}, input=enc(distinct), indices=enc(torch.argsort(distinct, dim=dim, descending=True).double()))
    for k in [1, 2]:
        for largest in [True, False]:
            v, i = torch.topk(distinct, k, dim=dim, largest=largest, sorted=True)
            g = grad_case(lambda t: torch.topk(t, k, dim=dim, largest=largest)[0], distinct)
            add("topk", {"k": k, "dim": dim, "largest": largest}, **g, indices=enc(i.double()))
    for k in [1, 2]:
        v, i = torch.kthvalue(distinct, k, dim=dim)
        g = grad_case(lambda t: torch.kthvalue(t, k, dim=dim)[0], distinct)
        add("kthvalue", {"k": k, "dim": dim, "keepdim": False}, **g, indices=enc(i.double()))
    v, i = torch.median(distinct, dim=dim, keepdim=True)
    g = grad_case(lambda t: torch.median(t, dim=dim, keepdim=True)[0], distinct)
    add("median", {"dim": dim, "keepdim": True}, **g, indices=enc(i.double()))
add("median", {}, **grad_case(lambda t: torch.median(t), distinct))
add("median", {}, **grad_case(lambda t: torch.median(t), distinct[:, :, :3]))
v, i = torch.median(withnan, dim=1)
add("medianNaN", {"dim": 1}, input=enc(withnan), values=enc(v), indices=enc(i.double()))

u = torch.tensor([[3.0, 1.0, 3.0], [2.0, 1.0, -4.0]])
v, inv, cnt = torch.unique(u, sorted=True, return_inverse=True, return_counts=True)
add("unique", {}, input=enc(u), values=enc(v), inverse=enc(inv.double()), counts=enc(cnt.double()))
rows = torch.tensor([[1.0, 2.0], [0.0, 5.0], [1.0, 2.0], [1.0, -1.0]])
for dim in [0, 1]:
    v, inv, cnt = torch.unique(rows, sorted=True, return_inverse=True, return_counts=True, dim=dim)
    add("unique", {"dim": dim}, input=enc(rows), values=enc(v), inverse=enc(inv.double()), counts=enc(cnt.double()))

# Rearrangement.
add("flip", {"dims": [0, 2]}, **grad_case(lambda t: torch.flip(t, [0, 2]), x234))
add("roll", {"shifts": [1, -3], "dims": [0, 2]}, **grad_case(lambda t: torch.roll(t, [1, -3], [0, 2]), x234))
add("roll", {"shifts": [5]}, **grad_case(lambda t: torch.roll(t, 5), x34))
add("repeat", {"repeats": [2, 1, 3]}, **grad_case(lambda t: t.repeat(2, 1, 3), x34))
add("tile", {"dims": [2]}, **grad_case(lambda t: torch.tile(t, (2,)), x34))
add("select", {"dim": 1, "index": -1}, **grad_case(lambda t: torch.select(t, 1, -1), x234))
for off, d1, d2 in [(0, 0, 1), (1, 1, 2), (-1, 2, 0)]:
    add("diagonal", {"offset": off, "dim1": d1, "dim2": d2}, **grad_case(lambda t: torch.diagonal(t, off, d1, d2), x234))
v3 = torch.randn(3)
add("diag", {"diagonal": -1}, **grad_case(lambda t: torch.diag(t, -1), v3))
add("diag", {"diagonal": 1}, **grad_case(lambda t: torch.diag(t, 1), x34))
add("outer", {}, **grad_case(lambda a, b: torch.outer(a, b), v3, torch.randn(4)))
gx, gy = torch.meshgrid(torch.arange(3.0), torch.arange(2.0), indexing="xy")
add("meshgrid", {"indexing": "xy"}, inputs=[enc(torch.arange(3.0)), enc(torch.arange(2.0))], outs=[enc(gx), enc(gy)])
gx, gy = torch.meshgrid(torch.arange(3.0), torch.arange(2.0), indexing="ij")
add("meshgrid", {"indexing": "ij"}, inputs=[enc(torch.arange(3.0)), enc(torch.arange(2.0))], outs=[enc(gx), enc(gy)])
idx2 = torch.tensor([[0, 2], [2, 2], [1, 0]])
add("indexSelect", {"dim": 0, "index": enc(idx2.double())}, **grad_case(lambda t: t[idx2], x34))
add("indexSelect", {"dim": 1, "index": enc(idx2.double())}, **grad_case(lambda t: t[:, idx2], x234))
tk = torch.tensor([[-1, 0], [5, -7]])
add("take", {"index": enc(tk.double())}, **grad_case(lambda t: torch.take(t, tk), x34))

# Norms, including zero vectors (PyTorch's gradient there).
znorm = torch.tensor([[0.0, 0.0, 0.0], [1.0, -2.0, 0.0], [0.5, 0.5, -3.0]])
for p in [2, 1, float("inf"), float("-inf"), 0, 3, 1.5, 0.5, -1]:
    ps = "inf" if p == float("inf") else "-inf" if p == float("-inf") else p
    add("norm", {"p": ps}, **grad_case(lambda t: torch.linalg.vector_norm(t, ord=p), x234))
    add("norm", {"p": ps, "dim": [0, -1], "keepdim": True}, **grad_case(lambda t: torch.linalg.vector_norm(t, ord=p, dim=(0, -1), keepdim=True), x234))
    if p not in (0.5, -1, float("-inf")):
        add("norm", {"p": ps, "dim": 1}, **grad_case(lambda t: torch.linalg.vector_norm(t, ord=p, dim=1), znorm))

# einsum.
for eq, shapes in [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk", [(2, 2, 3), (2, 3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iji->j", [(2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("i,j,k->ijk", [(2,), (3,), (2,)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 2), (2, 4), (4, 2)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ("ij->", [(3, 4)]),
    ("Ab,bA", [(2, 3), (3, 2)]),
    ("ba,Ac", [(2, 3), (4, 2)]),
]:
    ops = [torch.randn(*s) for s in shapes]
    add("einsum", {"equation": eq}, **grad_case(lambda *ts: torch.einsum(eq, *ts), *ops))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "order-reference.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {path}")
