#!/usr/bin/python3
"""Reference values for scaledDotProductAttention, layerNorm, groupNorm, rmsNorm and embedding.

Run with /usr/bin/python3 (torch 1.13): writes attention_reference.json beside this script.
Torch 1.13 has neither F.scaled_dot_product_attention nor F.rms_norm, so both are written here
as PyTorch 2 documents them: softmax(q·kᵀ·scale + bias)·v, with bias −∞ where a boolean mask is
False (or above the diagonal for is_causal) and the mask itself for a float mask; and
x · rsqrt(mean(x², trailing dims) + eps) · weight with eps = finfo(dtype).eps. layer_norm,
group_norm and embedding (with padding_idx and max_norm) are torch.nn.functional's own.
Each case stores float64 inputs, the output, and the gradients of sum(out · upstream).
After regenerating, run `npx biome format --write packages/core/test/reference` (biome checks JSON).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261128)
DT = torch.float64


def number(x):
    """JSON has no infinities: they are written as the strings "Infinity" / "-Infinity"."""
    return x if math.isfinite(x) else ("Infinity" if x > 0 else "-Infinity")


def flat(t):
    return {"shape": list(t.shape), "data": [number(x) for x in t.detach().reshape(-1).tolist()]}


def randn(*shape):
    return torch.randn(*shape, dtype=DT)


def sdpa(q, k, v, mask=None, is_causal=False, scale=None):
    L, S = q.shape[-2], k.shape[-2]
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    bias = torch.zeros(L, S, dtype=q.dtype)
    if is_causal:
        keep = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
        bias = bias.masked_fill(keep.logical_not(), float("-inf"))
    if mask is not None:
        if mask.dtype == torch.bool:
            bias = bias.masked_fill(mask.logical_not(), float("-inf"))
        else:
            bias = mask + bias
    w = torch.softmax(q @ k.transpose(-2, -1) * scale + bias, dim=-1)
    return w @ v


def with_grads(fn, inputs):
    leaves = [t.clone().requires_grad_(True) for t in inputs]
    out = fn(*leaves)
    up = torch.rand(out.shape, dtype=DT) + 0.5
    (out * up).sum().backward()
    return out, up, [leaf.grad for leaf in leaves]


attention = []


def add_attention(name, qs, ks, vs, mask=None, is_causal=False, scale=None):
    q, k, v = randn(*qs), randn(*ks), randn(*vs)
    out, up, grads = with_grads(lambda a, b, c: sdpa(a, b, c, mask, is_causal, scale), [q, k, v])
    case = {
        "name": name,
        "q": flat(q),
        "k": flat(k),
        "v": flat(v),
        "isCausal": is_causal,
        "out": flat(out),
        "upstream": flat(up),
        "grads": [flat(g) for g in grads],
    }
    if scale is not None:
        case["scale"] = scale
    if mask is not None:
        case["mask"] = flat(mask.to(DT) if mask.dtype == torch.bool else mask)
        case["maskKind"] = "bool" if mask.dtype == torch.bool else "float"
    attention.append(case)


add_attention("plain 3-D", [2, 3, 4], [2, 5, 4], [2, 5, 3])
add_attention("4-D with scale", [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 2], scale=0.3)
add_attention("causal square", [2, 4, 3], [2, 4, 3], [2, 4, 3], is_causal=True)
add_attention("causal L < S (top-left aligned)", [1, 2, 3], [1, 5, 3], [1, 5, 2], is_causal=True)
bool_mask = torch.rand(3, 4) > 0.4
bool_mask[:, 0] = True
add_attention("bool mask broadcast over batch", [2, 3, 5], [2, 4, 5], [2, 4, 2], mask=bool_mask)
one_key = torch.zeros(2, 1, 3, 4, dtype=torch.bool)
one_key[0, 0, 0, 2] = True
one_key[0, 0, 1:, :] = True
one_key[1, 0, :, 1] = True
add_attention("bool mask keeping one key in some rows", [2, 2, 3, 4], [2, 2, 4, 4], [2, 2, 4, 3], mask=one_key)
add_attention("float mask", [2, 3, 4], [2, 4, 4], [2, 4, 4], mask=randn(2, 3, 4))
float_inf = randn(3, 4)
float_inf[0, 1:] = float("-inf")
add_attention("float mask with -inf", [1, 3, 2], [1, 4, 2], [1, 4, 3], mask=float_inf)

norms = []


def add_norm(name, op, x_shape, extra, weight_shape=None, bias=False, eps=None):
    x = randn(*x_shape) * 2 + 0.5
    inputs = [x]
    if weight_shape is not None:
        inputs.append(randn(*weight_shape))
        if bias:
            inputs.append(randn(*weight_shape))

    def run(a, w=None, b=None):
        if op == "layerNorm":
            return F.layer_norm(a, extra, w, b, 1e-5 if eps is None else eps)
        if op == "groupNorm":
            return F.group_norm(a, extra, w, b, 1e-5 if eps is None else eps)
        dims = tuple(range(a.dim() - len(extra), a.dim()))
        e = torch.finfo(a.dtype).eps if eps is None else eps
        y = a * torch.rsqrt(a.pow(2).mean(dims, keepdim=True) + e)
        return y if w is None else y * w

    out, up, grads = with_grads(run, inputs)
    case = {
        "name": name,
        "op": op,
        "arg": extra,
        "x": flat(x),
        "out": flat(out),
        "upstream": flat(up),
        "grads": [flat(g) for g in grads],
    }
    if weight_shape is not None:
        case["weight"] = flat(inputs[1])
    if bias:
        case["bias"] = flat(inputs[2])
    if eps is not None:
        case["eps"] = eps
    norms.append(case)


add_norm("layerNorm last dim, affine", "layerNorm", [2, 3, 4], [4], [4], True)
add_norm("layerNorm two dims, no affine", "layerNorm", [3, 2, 5], [2, 5])
add_norm("layerNorm weight only, eps 0.1", "layerNorm", [4, 3], [3], [3], eps=0.1)
add_norm("groupNorm 4-D, affine", "groupNorm", [2, 6, 2, 3], 3, [6], True)
add_norm("groupNorm 2-D, one group", "groupNorm", [3, 4], 1)
add_norm("groupNorm 3-D, group per channel", "groupNorm", [2, 3, 5], 3, [3], True)
add_norm("rmsNorm last dim, weight", "rmsNorm", [2, 3, 4], [4], [4])
add_norm("rmsNorm two dims, eps 1e-3", "rmsNorm", [2, 3, 4], [3, 4], eps=1e-3)

embeddings = []


def add_embedding(name, indices, rows, dim, padding_idx=None, max_norm=None, norm_type=2.0):
    weight = randn(rows, dim) * 1.5
    leaf = weight.clone().requires_grad_(True)
    out = F.embedding(indices, leaf, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type)
    up = torch.rand(out.shape, dtype=DT) + 0.5
    (out * up).sum().backward()
    case = {
        "name": name,
        "indices": flat(indices),
        "weight": flat(weight),
        "out": flat(out),
        "upstream": flat(up),
        "grad": flat(leaf.grad),
        "weightAfter": flat(leaf),
    }
    if padding_idx is not None:
        case["paddingIdx"] = padding_idx
    if max_norm is not None:
        case["maxNorm"] = max_norm
        case["normType"] = norm_type
    embeddings.append(case)


add_embedding("2-D indices with repeats", torch.tensor([[1, 3, 1], [0, 3, 3]]), 5, 4)
add_embedding("paddingIdx 2", torch.tensor([[2, 1], [2, 4], [0, 2]]), 5, 3, padding_idx=2)
add_embedding("negative paddingIdx", torch.tensor([4, 0, 4, 1]), 5, 2, padding_idx=-1)
add_embedding("0-d index", torch.tensor(3), 4, 3)
add_embedding("maxNorm 1 (2-norm)", torch.tensor([[0, 2], [2, 3]]), 4, 3, max_norm=1.0)
add_embedding("maxNorm 0.5, normType 1", torch.tensor([1, 1, 3]), 4, 5, max_norm=0.5, norm_type=1.0)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attention_reference.json")
with open(path, "w") as f:
    json.dump(
        {"torch": torch.__version__, "attention": attention, "norms": norms, "embedding": embeddings},
        f,
        allow_nan=False,
    )
print("wrote", path)
