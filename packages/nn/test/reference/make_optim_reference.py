"""Reference values of tsgrad's RMSprop, Adagrad and lr schedulers from PyTorch 1.13 (float64).

Run with /usr/bin/python3 from this directory, then `npx biome format --write optim_reference.json`;
writes optim_reference.json:
- optimizers: for each case, the parameter, the gradient given at each of three steps and the
  parameter after each step;
- schedulers: for each case, the lr of each group (and momentum or beta1 where cycled) right after
  construction and after each step.
The lambdas of LambdaLR and MultiplicativeLR are named here and rebuilt by the test.
"""
import json
import math

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

OPTIMIZERS = [
    ("rmsprop_plain", "RMSprop", dict(lr=0.01)),
    ("rmsprop_centered", "RMSprop", dict(lr=0.01, centered=True)),
    ("rmsprop_momentum", "RMSprop", dict(lr=0.01, momentum=0.9)),
    ("rmsprop_weight_decay", "RMSprop", dict(lr=0.02, alpha=0.9, weight_decay=0.1, eps=1e-6)),
    ("rmsprop_all", "RMSprop", dict(lr=0.01, alpha=0.95, momentum=0.5, centered=True, weight_decay=0.05)),
    ("adagrad_plain", "Adagrad", dict(lr=0.1)),
    ("adagrad_lr_decay", "Adagrad", dict(lr=0.1, lr_decay=0.5)),
    ("adagrad_weight_decay", "Adagrad", dict(lr=0.1, weight_decay=0.2)),
    ("adagrad_initial_accumulator", "Adagrad", dict(lr=0.1, initial_accumulator_value=0.3, eps=1e-6)),
    ("adagrad_all", "Adagrad", dict(lr=0.05, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.1)),
]

CAMEL = {
    "weight_decay": "weightDecay",
    "lr_decay": "lrDecay",
    "initial_accumulator_value": "initialAccumulatorValue",
}


def camel(d):
    return {CAMEL.get(k, k): v for k, v in d.items()}


optimizers = []
for name, cls, kwargs in OPTIMIZERS:
    p = torch.nn.Parameter(torch.randn(2, 3))
    start = p.detach().clone()
    opt = getattr(torch.optim, cls)([p], **kwargs)
    grads, params = [], []
    for _ in range(3):
        g = torch.randn(2, 3)
        p.grad = g.clone()
        opt.step()
        grads.append(g.flatten().tolist())
        params.append(p.detach().flatten().tolist())
    optimizers.append(
        dict(name=name, cls=cls, options=camel(kwargs), shape=[2, 3], param=start.flatten().tolist(), grads=grads, params=params)
    )

LAMBDAS = {
    "pow095": lambda e: 0.95**e,
    "inverse": lambda e: 1 / (e + 1),
    "const09": lambda e: 0.9,
    "linear": lambda e: 1 - 0.01 * e,
}


def make_optimizer(kind, lrs, **kwargs):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
    return getattr(torch.optim, kind)(groups, **kwargs)


def momentum_of(opt):
    g = opt.param_groups
    if "betas" in g[0]:
        return [group["betas"][0] for group in g]
    if "momentum" in g[0]:
        return [group["momentum"] for group in g]
    return None


schedulers = []


def record(name, optimizer_spec, scheduler_spec, opt, sched, steps, metrics=None):
    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [momentum_of(opt)]
    for i in range(steps):
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append(momentum_of(opt))
    schedulers.append(
        dict(name=name, optimizer=optimizer_spec, scheduler=scheduler_spec, steps=steps, metrics=metrics, lrs=lrs, momenta=moms)
    )


L = torch.optim.lr_scheduler

spec = dict(cls="SGD", lrs=[0.1, 0.05], options={})
opt = make_optimizer("SGD", spec["lrs"])
record("lambda_two_groups", spec, dict(cls="LambdaLR", lambdas=["pow095", "inverse"]), opt,
       L.LambdaLR(opt, [LAMBDAS["pow095"], LAMBDAS["inverse"]]), 20)

spec = dict(cls="SGD", lrs=[0.1], options={})
opt = make_optimizer("SGD", spec["lrs"])
record("lambda_one", spec, dict(cls="LambdaLR", lambdas=["pow095"]), opt, L.LambdaLR(opt, LAMBDAS["pow095"]), 10)

spec = dict(cls="SGD", lrs=[0.1, 0.2], options={})
opt = make_optimizer("SGD", spec["lrs"])
record("multiplicative", spec, dict(cls="MultiplicativeLR", lambdas=["const09", "linear"]), opt,
       L.MultiplicativeLR(opt, [LAMBDAS["const09"], LAMBDAS["linear"]]), 20)

spec = dict(cls="SGD", lrs=[0.1], options=dict(momentum=0.9))
opt = make_optimizer("SGD", spec["lrs"], momentum=0.9)
record("onecycle_sgd_cos", spec, dict(cls="OneCycleLR", options=dict(maxLr=0.5, totalSteps=20)), opt,
       L.OneCycleLR(opt, max_lr=0.5, total_steps=20), 20)

spec = dict(cls="Adam", lrs=[0.001, 0.002], options={})
opt = make_optimizer("Adam", spec["lrs"])
o = dict(maxLr=[0.01, 0.02], totalSteps=30, annealStrategy="linear", threePhase=True, baseMomentum=0.8, maxMomentum=0.9)
record("onecycle_adam_linear_three_phase", spec, dict(cls="OneCycleLR", options=o), opt,
       L.OneCycleLR(opt, max_lr=[0.01, 0.02], total_steps=30, anneal_strategy="linear", three_phase=True,
                    base_momentum=0.8, max_momentum=0.9), 30)

spec = dict(cls="RMSprop", lrs=[0.01], options=dict(momentum=0.5))
opt = make_optimizer("RMSprop", spec["lrs"], momentum=0.5)
o = dict(maxLr=0.1, epochs=4, stepsPerEpoch=5, pctStart=0.25, divFactor=10, finalDivFactor=100)
record("onecycle_rmsprop_epochs", spec, dict(cls="OneCycleLR", options=o), opt,
       L.OneCycleLR(opt, max_lr=0.1, epochs=4, steps_per_epoch=5, pct_start=0.25, div_factor=10, final_div_factor=100), 20)

spec = dict(cls="Adagrad", lrs=[0.01], options={})
opt = make_optimizer("Adagrad", spec["lrs"])
o = dict(maxLr=0.1, totalSteps=12, cycleMomentum=False)
record("onecycle_adagrad_no_momentum", spec, dict(cls="OneCycleLR", options=o), opt,
       L.OneCycleLR(opt, max_lr=0.1, total_steps=12, cycle_momentum=False), 12)

spec = dict(cls="SGD", lrs=[0.1], options={})
opt = make_optimizer("SGD", spec["lrs"])
warm = L.LinearLR(opt, start_factor=0.1, total_iters=5)
decay = L.CosineAnnealingLR(opt, T_max=15)
record("sequential_linear_cosine", spec,
       dict(cls="SequentialLR", parts=[dict(cls="LinearLR", options=dict(startFactor=0.1, totalIters=5)),
                                       dict(cls="CosineAnnealingLR", options=dict(tMax=15))], milestones=[5]),
       opt, L.SequentialLR(opt, [warm, decay], milestones=[5]), 25)

spec = dict(cls="SGD", lrs=[0.1, 0.3], options={})
opt = make_optimizer("SGD", spec["lrs"])
a = L.LinearLR(opt, start_factor=0.5, total_iters=3)
b = L.StepLR(opt, step_size=2, gamma=0.5)
c = L.MultiplicativeLR(opt, lambda e: 0.9)
record("sequential_three", spec,
       dict(cls="SequentialLR", parts=[dict(cls="LinearLR", options=dict(startFactor=0.5, totalIters=3)),
                                       dict(cls="StepLR", options=dict(stepSize=2, gamma=0.5)),
                                       dict(cls="MultiplicativeLR", lambdas=["const09"])], milestones=[3, 8]),
       opt, L.SequentialLR(opt, [a, b, c], milestones=[3, 8]), 14)

metrics = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75]
spec = dict(cls="SGD", lrs=[0.1, 0.02], options={})
opt = make_optimizer("SGD", spec["lrs"])
o = dict(mode="min", factor=0.5, patience=2, cooldown=1, minLr=[0.01, 0.0])
record("plateau_min_rel", spec, dict(cls="ReduceLROnPlateau", options=o), opt,
       L.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2, cooldown=1, min_lr=[0.01, 0.0]), len(metrics), metrics)

metrics2 = [0.1, 0.15, 0.18, 0.3, 0.31, 0.35, 0.38, 0.39, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
spec = dict(cls="SGD", lrs=[0.1], options={})
opt = make_optimizer("SGD", spec["lrs"])
o = dict(mode="max", factor=0.3, patience=1, threshold=0.1, thresholdMode="abs", eps=1e-3)
record("plateau_max_abs", spec, dict(cls="ReduceLROnPlateau", options=o), opt,
       L.ReduceLROnPlateau(opt, mode="max", factor=0.3, patience=1, threshold=0.1, threshold_mode="abs", eps=1e-3),
       len(metrics2), metrics2)

with open("optim_reference.json", "w") as f:
    json.dump({"torch": torch.__version__, "optimizers": optimizers, "schedulers": schedulers}, f, indent=1)
    f.write("\n")
