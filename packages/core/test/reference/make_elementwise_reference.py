"""Reference values for the elementwise ops of packages/core (issue 12), computed by PyTorch.

Run with /usr/bin/python3 (torch 1.13) from the repository root:
    /usr/bin/python3 packages/core/test/reference/make_elementwise_reference.py
It writes packages/core/test/reference/elementwise.json (then run `npx biome format --write` on it). Non-finite numbers are written as the
strings "nan", "inf" and "-inf" (JSON has no literal for them). For each case: the inputs, the
float64 output, the float32 output (float ops; also computed in float64 from the float32 inputs and
rounded once, `out32exact`), and in float64 the gradient of sum(output) and,
for smooth activations, the gradient of sum(d output / d x) (a second derivative).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
inf = math.inf
nan = math.nan

GENERAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 3.7, -3.7, 0.3, -0.7, 10.0, -10.0, 30.0, -30.0,
           1e-8, -1e-8, 1e3, -1e3, nan, inf, -inf]
SMOOTH = [0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 3.7, -3.7, 0.3, -0.7, 6.0, -6.0, 10.0, -10.0, 1e-8]
UNIT = [0.0, 0.1, -0.1, 0.5, -0.5, 0.9, -0.9, 0.99, -0.999999, 1e-10, 0.9999999999, 1.0, -1.0, 1.5, nan]
POSITIVE = [1e-8, 0.25, 1.0, 2.0, 9.0, 1e6, 0.0, inf, -1.0, nan]
HALVES = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, 2.4, -2.6, 1e16 + 2, 0.0, nan, inf, -inf]


def enc(v):
    if isinstance(v, bool):
        return int(v)
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


def enc_list(t):
    return [enc(float(v)) for v in t.detach().reshape(-1).tolist()]


def unary(name, f, xs, second=False, float_op=True, grad=True):
    x = torch.tensor(xs, dtype=torch.float64, requires_grad=grad)
    y = f(x)
    case = {'name': name, 'x': [enc(v) for v in xs], 'out': enc_list(y)}
    if float_op:
        x32 = torch.tensor(xs, dtype=torch.float32)
        case['out32'] = enc_list(f(x32))
        # The float32 inputs computed in float64, then rounded once: the correctly rounded answer.
        case['out32exact'] = enc_list(f(x32.double()).float())
    if grad:
        (g,) = torch.autograd.grad(y.sum(), x, create_graph=second)
        case['grad'] = enc_list(g)
        if second:
            (g2,) = torch.autograd.grad(g.sum(), x)
            case['grad2'] = enc_list(g2)
    return case


def binary(name, f, pairs, dtype=torch.float64, grad=True):
    a = torch.tensor([p[0] for p in pairs], dtype=dtype, requires_grad=grad)
    b = torch.tensor([p[1] for p in pairs], dtype=dtype, requires_grad=grad)
    y = f(a, b)
    case = {'name': name, 'dtype': str(dtype).replace('torch.', ''), 'a': enc_list(a), 'b': enc_list(b),
            'out': enc_list(y)}
    if dtype == torch.float64:
        case['out32'] = enc_list(f(a.detach().float(), b.detach().float()))
    if grad:
        ga, gb = torch.autograd.grad(y.sum(), (a, b), allow_unused=True)
        case['gradA'] = enc_list(ga if ga is not None else torch.zeros_like(a))
        case['gradB'] = enc_list(gb if gb is not None else torch.zeros_like(b))
    return case


cases = [
    unary('gelu', lambda x: F.gelu(x), SMOOTH, second=True),
    unary('gelu', lambda x: F.gelu(x), GENERAL),
    unary('geluTanh', lambda x: F.gelu(x, approximate='tanh'), SMOOTH, second=True),
    unary('silu', F.silu, SMOOTH, second=True),
    unary('silu', F.silu, GENERAL),
    unary('mish', F.mish, SMOOTH, second=True),
    unary('mish', F.mish, GENERAL),
    unary('leakyRelu', F.leaky_relu, GENERAL),
    unary('leakyRelu0.2', lambda x: F.leaky_relu(x, 0.2), GENERAL),
    unary('elu', F.elu, GENERAL),
    # Without 0: at the kink PyTorch's first derivative takes the x ≤ 0 branch, its second the x > 0 one.
    unary('elu0.5', lambda x: F.elu(x, 0.5), SMOOTH[1:], second=True),
    unary('hardtanh', F.hardtanh, GENERAL),
    unary('hardtanh-0.5,2', lambda x: F.hardtanh(x, -0.5, 2.0), GENERAL),
    unary('erf', torch.erf, GENERAL, second=True),
    unary('erfinv', torch.erfinv, UNIT),
    unary('log1p', torch.log1p, [0.0, 1e-10, -1e-10, 0.5, -0.5, 3.0, 1e10, -1.0, -2.0, inf, nan]),
    unary('expm1', torch.expm1, GENERAL),
    unary('rsqrt', torch.rsqrt, POSITIVE),
    unary('reciprocal', torch.reciprocal, [0.5, -2.0, 3.0, 1e-8, 1e8, 0.0, -0.0, inf, -inf, nan]),
    unary('floor', torch.floor, GENERAL),
    unary('ceil', torch.ceil, GENERAL),
    unary('round', torch.round, HALVES),
    unary('isnan', torch.isnan, GENERAL, float_op=False, grad=False),
    unary('isfinite', torch.isfinite, GENERAL, float_op=False, grad=False),
    unary('isinf', torch.isinf, GENERAL, float_op=False, grad=False),
    unary('nanToNum', torch.nan_to_num, GENERAL),
    unary('nanToNum-options', lambda x: torch.nan_to_num(x, nan=-1.0, posinf=100.0, neginf=-100.0), GENERAL),
]

PAIRS = [(5.0, 3.0), (-5.0, 3.0), (5.0, -3.0), (-5.0, -3.0), (7.5, 2.0), (-7.5, 2.0), (0.0, 2.0),
         (-0.0, 2.0), (0.0, -2.0), (1e10, 3.0), (-1.0, 1e-3), (2.0, 0.0), (-2.0, 0.0), (0.0, 0.0),
         (inf, 2.0), (-1.0, inf), (1.0, -inf), (3.0, nan), (nan, 1.0), (0.1, 0.01), (-7.0, 2.0)]
SMOOTH_PAIRS = [(1.0, 2.0), (-1.0, 2.0), (1.0, -2.0), (-1.0, -2.0), (0.3, 0.0001), (3.0, 4.0), (-0.5, 1e-3)]
ATAN2_PAIRS = SMOOTH_PAIRS + [(0.0, 0.0), (-0.0, -1.0), (0.0, -1.0), (inf, 1.0), (inf, -inf), (1.0, nan)]
INT_PAIRS = [(5, 3), (-5, 3), (5, -3), (-5, -3), (7, 2), (-7, 2), (0, 3), (0, -3), (2147483647, 2),
             (-2147483648, 3), (9, 9), (-9, 9)]

cases += [
    binary('remainder', torch.remainder, PAIRS),
    # floor_divide has no derivative in PyTorch ("derivative ... is not implemented"): forward only.
    binary('floorDivide', torch.floor_divide, PAIRS, grad=False),
    binary('atan2', torch.atan2, ATAN2_PAIRS),
    binary('remainder', torch.remainder, INT_PAIRS, dtype=torch.int32, grad=False),
    binary('floorDivide', torch.floor_divide, INT_PAIRS, dtype=torch.int32, grad=False),
]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'elementwise.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f, indent=None, separators=(',', ':'))
    f.write('\n')
print(f'wrote {len(cases)} cases to {path}')
