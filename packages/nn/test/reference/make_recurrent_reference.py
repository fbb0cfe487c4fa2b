"""Reference values of tsgrad's recurrent layers from PyTorch 1.13 (float64).

Run with /usr/bin/python3 from this directory, then `npx biome format --write *.json`. Writes
recurrent_reference.safetensors (written by hand: 8-byte little-endian header length, JSON header,
raw little-endian bytes) and
recurrent_reference.json (the configuration of each case). For each case the file holds
`<case>/param/<state-dict key>` (PyTorch's exact keys), `<case>/input`, the initial states
`<case>/h0`, `<case>/c0` when given, the outputs `<case>/output`, `<case>/hN`, `<case>/cN`, the
upstream gradients `<case>/gout`, `<case>/ghN`, `<case>/gcN` (loss = Σ output·gout + Σ hN·ghN +
Σ cN·gcN) and the gradients `<case>/grad/input`, `<case>/grad/h0`, `<case>/grad/c0`,
`<case>/grad/<state-dict key>`.
"""
import json
import struct

import torch

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)

CASES = [
    # name, class, constructor kwargs, input shape, initial state(s)?
    ("lstm2_init", "LSTM", dict(input_size=3, hidden_size=4, num_layers=2), [5, 2, 3], True),
    ("lstm_bidir", "LSTM", dict(input_size=3, hidden_size=4, bidirectional=True), [4, 2, 3], False),
    ("lstm_proj", "LSTM", dict(input_size=3, hidden_size=5, proj_size=2, num_layers=2), [4, 2, 3], True),
    ("lstm_unbatched", "LSTM", dict(input_size=3, hidden_size=4), [4, 3], True),
    ("gru2_batch_first", "GRU", dict(input_size=3, hidden_size=4, num_layers=2, batch_first=True), [2, 5, 3], True),
    ("gru_bidir_nobias", "GRU", dict(input_size=3, hidden_size=4, bidirectional=True, bias=False), [4, 2, 3], False),
    ("rnn_tanh", "RNN", dict(input_size=3, hidden_size=4, nonlinearity="tanh"), [5, 2, 3], True),
    ("rnn_relu2", "RNN", dict(input_size=3, hidden_size=4, nonlinearity="relu", num_layers=2), [5, 2, 3], False),
    ("rnn_bidir2", "RNN", dict(input_size=3, hidden_size=4, bidirectional=True, num_layers=2), [4, 2, 3], True),
    ("rnn_cell", "RNNCell", dict(input_size=3, hidden_size=4), [2, 3], True),
    ("rnn_cell_relu", "RNNCell", dict(input_size=3, hidden_size=4, nonlinearity="relu"), [2, 3], False),
    ("lstm_cell", "LSTMCell", dict(input_size=3, hidden_size=4), [2, 3], True),
    ("gru_cell", "GRUCell", dict(input_size=3, hidden_size=4), [2, 3], True),
    ("gru_cell_unbatched", "GRUCell", dict(input_size=3, hidden_size=4), [3], True),
]

tensors = {}
configs = []


def put(name, t):
    tensors[name] = t.detach().contiguous().to(torch.float64)


for name, cls, kwargs, in_shape, with_state in CASES:
    module = getattr(torch.nn, cls)(**kwargs)
    x = torch.randn(*in_shape, requires_grad=True)
    is_cell = cls.endswith("Cell")
    lstm = cls.startswith("LSTM")
    hidden = kwargs["hidden_size"]
    proj = kwargs.get("proj_size", 0)
    real_hidden = proj if proj > 0 else hidden
    states = []
    if with_state:
        if is_cell:
            shape = [in_shape[0], hidden] if len(in_shape) == 2 else [hidden]
            states = [torch.randn(*shape, requires_grad=True) for _ in range(2 if lstm else 1)]
        else:
            d = 2 if kwargs.get("bidirectional", False) else 1
            layers = d * kwargs.get("num_layers", 1)
            batched = len(in_shape) == 3
            batch = [in_shape[0 if kwargs.get("batch_first", False) else 1]] if batched else []
            states = [torch.randn(layers, *batch, real_hidden, requires_grad=True)]
            if lstm:
                states.append(torch.randn(layers, *batch, hidden, requires_grad=True))
    if is_cell:
        if lstm:
            h, c = module(x, tuple(states)) if states else module(x)
            outs = {"hN": h, "cN": c}
        else:
            outs = {"hN": module(x, states[0]) if states else module(x)}
    else:
        if lstm:
            out, (h, c) = module(x, tuple(states)) if states else module(x)
            outs = {"output": out, "hN": h, "cN": c}
        else:
            out, h = module(x, states[0]) if states else module(x)
            outs = {"output": out, "hN": h}
    loss = 0
    for key, value in outs.items():
        g = torch.randn(*value.shape)
        put(f"{name}/g{key}" if key != "output" else f"{name}/gout", g)
        put(f"{name}/{key}", value)
        loss = loss + (value * g).sum()
    loss.backward()
    put(f"{name}/input", x)
    put(f"{name}/grad/input", x.grad)
    for s_name, s in zip(["h0", "c0"], states):
        put(f"{name}/{s_name}", s)
        put(f"{name}/grad/{s_name}", s.grad)
    keys = list(module.state_dict().keys())
    for key, p in module.named_parameters():
        put(f"{name}/param/{key}", p)
        put(f"{name}/grad/{key}", p.grad)
    options = {k: v for k, v in kwargs.items() if k not in ("input_size", "hidden_size")}
    camel = {"num_layers": "numLayers", "batch_first": "batchFirst", "proj_size": "projSize"}
    configs.append(
        {
            "name": name,
            "class": cls,
            "inputSize": kwargs["input_size"],
            "hiddenSize": hidden,
            "options": {camel.get(k, k): v for k, v in options.items()},
            "stateDictKeys": keys,
            "outputs": list(outs.keys()),
            "states": ["h0", "c0"][: len(states)],
        }
    )


def write_safetensors(path, named):
    header = {}
    offset = 0
    blobs = []
    for key, t in named.items():
        data = t.numpy().astype("<f8").tobytes()
        header[key] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


write_safetensors("recurrent_reference.safetensors", tensors)
with open("recurrent_reference.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": configs}, f, indent=1)
    f.write("\n")
