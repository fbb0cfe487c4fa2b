"""Reference values for tsgrad's sequence layers, from PyTorch (run with /usr/bin/python3, torch 1.13).

For each case it builds a PyTorch module with a fixed seed, in float64, and writes under sequence/:
  <case>.state.safetensors  the module's state dict, keys exactly as PyTorch names them, in its order
  <case>.io.safetensors     inputs (input.*), masks (mask.*), the cotangent, outputs (output.*) and the
                            gradients of the inputs (grad.input.*) and of every parameter (grad.param.<key>)
and one manifest.json: per case, the state-dict keys in order, the layer's configuration, and the
names of the inputs. The loss whose gradients are saved is sum(output · cotangent).

The Python `safetensors` package is not available here, so the files are written by hand (8-byte
little-endian header length, JSON header, raw little-endian bytes).
"""

import json
import os
import struct

import torch
from torch import nn

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sequence")
DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64", torch.int32: "I32", torch.bool: "BOOL"}


def save_safetensors(path, tensors):
    header = {}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.numpy().tobytes() if t.dtype != torch.bool else t.to(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


manifest = {}


def run_case(name, module, inputs, masks, forward, config, train=True):
    """inputs: float tensors that get gradients; masks: tensors passed as they are; forward(module, inputs, masks) -> outputs."""
    module.train(train)
    state = module.state_dict()
    keys = list(state.keys())
    save_safetensors(os.path.join(OUT, f"{name}.state.safetensors"), state)
    for t in inputs.values():
        t.requires_grad_(True)
    outputs = forward(module, inputs, masks)
    if isinstance(outputs, torch.Tensor):
        outputs = {"out": outputs}
    io = {}
    for k, t in inputs.items():
        io[f"input.{k}"] = t
    for k, t in masks.items():
        io[f"mask.{k}"] = t
    loss = 0
    g = torch.Generator().manual_seed(99)
    for k, t in outputs.items():
        if t is None:
            continue
        cot = torch.randn(t.shape, generator=g)
        io[f"cotangent.{k}"] = cot
        io[f"output.{k}"] = t
        loss = loss + (t * cot).sum()
    loss.backward()
    for k, t in inputs.items():
        io[f"grad.input.{k}"] = t.grad if t.grad is not None else torch.zeros_like(t)
    for k, p in module.named_parameters():
        io[f"grad.param.{k}"] = p.grad if p.grad is not None else torch.zeros_like(p)
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        after = module.state_dict()
        for k in keys:
            io[f"after.{k}"] = after[k]
    save_safetensors(os.path.join(OUT, f"{name}.io.safetensors"), io)
    manifest[name] = {
        "keys": keys,
        "config": config,
        "inputs": list(inputs.keys()),
        "masks": list(masks.keys()),
        "outputs": [k for k, t in outputs.items() if t is not None],
        "train": train,
    }


def causal(n):
    return torch.triu(torch.full((n, n), float("-inf")), diagonal=1)


def main():
    os.makedirs(OUT, exist_ok=True)

    # ---- Embedding with padding_idx ----
    torch.manual_seed(1)
    emb = nn.Embedding(7, 4, padding_idx=2)
    idx = torch.tensor([[0, 2, 5], [2, 6, 0]])
    run_case("embedding_padding", emb, {}, {"indices": idx}, lambda m, i, k: m(k["indices"]),
             {"num": 7, "dim": 4, "paddingIdx": 2})

    # ---- MultiheadAttention ----
    torch.manual_seed(2)
    mha = nn.MultiheadAttention(8, 2, dropout=0.0)
    L, S, N = 3, 4, 2
    q, k, v = torch.randn(L, N, 8), torch.randn(S, N, 8), torch.randn(S, N, 8)
    kpm = torch.tensor([[False, False, False, True], [False, True, False, False]])
    run_case("mha_key_padding", mha, {"query": q, "key": k, "value": v}, {"keyPaddingMask": kpm},
             lambda m, i, ms: dict(zip(["out", "weights"], m(i["query"], i["key"], i["value"], key_padding_mask=ms["keyPaddingMask"]))),
             {"embedDim": 8, "numHeads": 2, "needWeights": True, "averageAttnWeights": True})

    torch.manual_seed(3)
    mha = nn.MultiheadAttention(6, 3, kdim=5, vdim=4, batch_first=True)
    q, k, v = torch.randn(2, 3, 6), torch.randn(2, 4, 5), torch.randn(2, 4, 4)
    am = torch.randn(3, 4)
    run_case("mha_kvdim_float_mask", mha, {"query": q, "key": k, "value": v}, {"attnMask": am},
             lambda m, i, ms: dict(zip(["out", "weights"], m(i["query"], i["key"], i["value"], attn_mask=ms["attnMask"], average_attn_weights=False))),
             {"embedDim": 6, "numHeads": 3, "kdim": 5, "vdim": 4, "batchFirst": True, "needWeights": True, "averageAttnWeights": False})

    torch.manual_seed(4)
    mha = nn.MultiheadAttention(4, 2, bias=False)
    x = torch.randn(4, 2, 4)
    bm = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
    run_case("mha_self_bool_mask", mha, {"x": x}, {"attnMask": bm},
             lambda m, i, ms: dict(zip(["out", "weights"], m(i["x"], i["x"], i["x"], attn_mask=ms["attnMask"], need_weights=False))),
             {"embedDim": 4, "numHeads": 2, "bias": False, "needWeights": False})

    # ---- TransformerEncoderLayer: post-/pre-norm × relu/gelu, causal and padding masks ----
    for i, (norm_first, act, batch_first, mask) in enumerate([
        (False, "relu", False, "padding"),
        (False, "gelu", True, "causal"),
        (True, "relu", True, "padding"),
        (True, "gelu", False, "causal"),
    ]):
        torch.manual_seed(10 + i)
        layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation=act,
                                           batch_first=batch_first, norm_first=norm_first)
        T, B = 4, 2
        src = torch.randn(B, T, 8) if batch_first else torch.randn(T, B, 8)
        masks = {}
        if mask == "padding":
            masks["srcKeyPaddingMask"] = torch.tensor([[False, False, True, True], [False, False, False, False]])
            fwd = lambda m, i, ms: m(i["src"], src_key_padding_mask=ms["srcKeyPaddingMask"])
        else:
            masks["srcMask"] = causal(T)
            fwd = lambda m, i, ms: m(i["src"], src_mask=ms["srcMask"])
        name = f"encoder_{'pre' if norm_first else 'post'}_{act}_{mask}"
        run_case(name, layer, {"src": src}, masks, fwd,
                 {"dModel": 8, "nhead": 2, "dimFeedforward": 16, "dropout": 0.0, "activation": act,
                  "batchFirst": batch_first, "normFirst": norm_first, "mask": mask})

    # ---- TransformerDecoderLayer ----
    torch.manual_seed(20)
    dec = nn.TransformerDecoderLayer(8, 2, dim_feedforward=12, dropout=0.0, activation="gelu")
    tgt, memory = torch.randn(3, 2, 8), torch.randn(5, 2, 8)
    mkpm = torch.tensor([[False, False, False, False, True], [False, True, False, False, False]])
    run_case("decoder_layer", dec, {"tgt": tgt, "memory": memory}, {"tgtMask": causal(3), "memoryKeyPaddingMask": mkpm},
             lambda m, i, ms: m(i["tgt"], i["memory"], tgt_mask=ms["tgtMask"], memory_key_padding_mask=ms["memoryKeyPaddingMask"]),
             {"dModel": 8, "nhead": 2, "dimFeedforward": 12, "dropout": 0.0, "activation": "gelu"})

    torch.manual_seed(21)
    dec = nn.TransformerDecoderLayer(8, 2, dim_feedforward=12, dropout=0.0, batch_first=True, norm_first=True)
    tgt, memory = torch.randn(2, 3, 8), torch.randn(2, 5, 8)
    tkpm = torch.tensor([[False, False, True], [False, False, False]])
    run_case("decoder_layer_pre", dec, {"tgt": tgt, "memory": memory}, {"tgtKeyPaddingMask": tkpm},
             lambda m, i, ms: m(i["tgt"], i["memory"], tgt_key_padding_mask=ms["tgtKeyPaddingMask"]),
             {"dModel": 8, "nhead": 2, "dimFeedforward": 12, "dropout": 0.0, "activation": "relu",
              "batchFirst": True, "normFirst": True})

    # ---- TransformerEncoder: 2 layers and a final norm ----
    torch.manual_seed(30)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, norm_first=True)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
    for p in enc.parameters():  # the deep copies start equal; make the layers differ
        p.data.add_(0.1 * torch.randn(p.shape))
    src = torch.randn(4, 2, 8)
    run_case("encoder_stack", enc, {"src": src}, {"mask": causal(4)},
             lambda m, i, ms: m(i["src"], mask=ms["mask"]),
             {"dModel": 8, "nhead": 2, "dimFeedforward": 16, "numLayers": 2, "normFirst": True})

    # ---- GroupNorm ----
    torch.manual_seed(40)
    gn = nn.GroupNorm(2, 6, eps=1e-5)
    with torch.no_grad():
        gn.weight.copy_(torch.randn(6))
        gn.bias.copy_(torch.randn(6))
    run_case("group_norm", gn, {"x": torch.randn(3, 6, 2, 2)}, {}, lambda m, i, ms: m(i["x"]),
             {"numGroups": 2, "numChannels": 6})

    # ---- RMSNorm (torch 1.13 has none: written out as torch.nn.RMSNorm computes it) ----
    class RMSNorm(nn.Module):
        def __init__(self, n, eps):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.randn(n))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight

    torch.manual_seed(41)
    rms = RMSNorm(5, 1e-6)
    run_case("rms_norm", rms, {"x": torch.randn(2, 3, 5)}, {}, lambda m, i, ms: m(i["x"]),
             {"normalizedShape": 5, "eps": 1e-6})

    # ---- BatchNorm1d: two training steps, then its state (int64 num_batches_tracked) ----
    torch.manual_seed(50)
    bn = nn.BatchNorm1d(3)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(3))
        bn.bias.copy_(torch.randn(3))
        bn(torch.randn(5, 3))
        bn(torch.randn(5, 3) * 2 + 1)
    run_case("batch_norm", bn, {"x": torch.randn(4, 3)}, {}, lambda m, i, ms: m(i["x"]), {"numFeatures": 3})

    # ---- activation modules ----
    torch.manual_seed(60)
    x = torch.randn(3, 4) * 2
    acts = {
        "gelu": nn.GELU(), "gelu_tanh": nn.GELU(approximate="tanh"), "silu": nn.SiLU(),
        "leaky_relu": nn.LeakyReLU(0.2), "elu": nn.ELU(0.7), "softplus": nn.Softplus(beta=2.0, threshold=3.0),
        "mish": nn.Mish(),
    }
    for n, a in acts.items():
        run_case(f"act_{n}", a, {"x": x.clone()}, {}, lambda m, i, ms: m(i["x"]), {})

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": manifest}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
