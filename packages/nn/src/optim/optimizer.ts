/**
 * The optimizer base class: parameter groups with their own hyper-parameters, per-parameter
 * state, `step()`, `zeroGrad()` and a state dict, as `torch.optim.Optimizer`. Subclasses write
 * one in-place update per parameter as a plain loop over its buffer (no Tensor ops, no graph).
 */
import {
  DeviceError,
  DTypeError,
  fmtShape,
  noGrad,
  ShapeError,
  Tensor,
  type TypedArray,
  ValueError,
  zeros,
} from '@tsgrad/core';

/** The buffer of a floating parameter. */
export type FloatArray = Float32Array | Float64Array;

/** Hyper-parameters every optimizer has. */
export interface OptimizerOptions {
  /** Learning rate (schedulers change it in each group). */
  lr: number;
}

/** One parameter group: its parameters and its own hyper-parameters. */
export type ParamGroup<O extends OptimizerOptions> = O & {
  /** The parameters of this group. */
  params: Tensor[];
  /** The lr the first scheduler attached to this optimizer started from. */
  initialLr?: number;
};

/** A parameter group as given to a constructor: parameters plus any hyper-parameters to override. */
export type ParamGroupInput<O extends OptimizerOptions> = Partial<O> & { params: Iterable<Tensor> | Tensor };

/** What an optimizer is built from: parameters, or parameter groups with their own options. */
export type ParamsInput<O extends OptimizerOptions> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/**
 * Per-parameter state: numbers (a step count) and buffers the size of the parameter, in the
 * parameter's dtype: typed arrays on the CPU, tensors on the parameter's device elsewhere.
 */
export type ParamState = Record<string, number | FloatArray | Tensor>;

/** A saved optimizer: state by parameter index (numbering runs through the groups in order), and the groups. */
export interface OptimizerStateDict<O extends OptimizerOptions = OptimizerOptions> {
  /** State of each parameter that has any, by index; buffers as tensors shaped like the parameter. */
  state: Record<number, Record<string, number | Tensor>>;
  /** Hyper-parameters of each group, with the indices of its parameters. */
  paramGroups: Array<O & { params: number[]; initialLr?: number }>;
}

/**
 * Base class of the optimizers.
 *
 * @example
 * const model = new Linear(4, 2);
 * const opt = new Adam(model.parameters(), { lr: 1e-3 }); // an Optimizer
 * model.call(randn([8, 4])).pow(2).mean().backward();
 * opt.step(); // then opt.zeroGrad() before the next backward
 */
export abstract class Optimizer<O extends OptimizerOptions> {
  /** The hyper-parameters a group gets when it does not say otherwise. */
  readonly defaults: O;
  /** The parameter groups; `lr` (and the other options) may be changed between steps. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  protected state = new Map<Tensor, ParamState>();

  constructor(params: ParamsInput<O>, defaults: O) {
    this.checkOptions(defaults);
    this.defaults = defaults;
    const list: unknown[] = params instanceof Tensor ? [params] : Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new ValueError(`${this.name}: got an empty parameter list`);
    if (list.every((p) => p instanceof Tensor))
      this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<O>);
    else if (list.some((p) => p instanceof Tensor)) {
      throw new ValueError(`${this.name}: params must be all tensors or all parameter groups, not a mix`);
    } else for (const group of list) this.addParamGroup(group as ParamGroupInput<O>);
  }

  /** The optimizer's name, for error messages (a prototype getter, so the constructor can use it). */
  protected get name(): string {
    return 'Optimizer';
  }

  /** Throws a ValueError naming the option and value when a group's hyper-parameters are invalid. */
  protected abstract checkOptions(options: O): void;

  /**
   * Updates one parameter in place: `n` elements of `param` from `paramOffset`, its gradient in
   * `grad` from `gradOffset` (both contiguous). `state` is this parameter's state, empty at first.
   */
  protected abstract update(
    param: FloatArray,
    paramOffset: number,
    n: number,
    grad: FloatArray,
    gradOffset: number,
    group: ParamGroup<O>,
    state: ParamState,
  ): void;

  /**
   * Updates one parameter that is not on the CPU, in place on its device with no readback (the
   * fused kernels of @tsgrad/core: `sgdStep_`, `adamStep_`); state buffers are tensors on that
   * device. The base has no device update: a DeviceError naming the optimizer.
   */
  protected updateOnDevice(p: Tensor, _grad: Tensor, _group: ParamGroup<O>, _state: ParamState): void {
    throw new DeviceError(
      `${this.name}.step: no ${p.device} update for ${this.name} yet (SGD, Adam and AdamW run on ${p.device}); ` +
        'keep this model on the cpu, or use one of those',
    );
  }

  /** Checks a parameter's loaded state (keys and kinds); the base accepts anything well shaped. */
  protected checkState(_state: ParamState, _index: number): void {}

  /**
   * The check most stateful optimizers need in `checkState`: a non-empty state has an integer
   * `step` ≥ 0, every `required` buffer, and each `optional` buffer it has is a tensor's array.
   */
  protected checkStepAndBuffers(
    state: ParamState,
    index: number,
    required: readonly string[],
    optional: readonly string[] = [],
  ): void {
    if (Object.keys(state).length === 0) return;
    const op = `${this.name}.loadStateDict`;
    const step = state.step;
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
      throw new ValueError(
        `${op}: parameter ${index} needs a non-negative integer 'step', got ${String(step)}`,
      );
    }
    for (const key of required) {
      if (!ArrayBuffer.isView(state[key]) && !(state[key] instanceof Tensor))
        throw new ValueError(`${op}: parameter ${index} is missing the '${key}' tensor`);
    }
    for (const key of optional) {
      if (state[key] !== undefined && !ArrayBuffer.isView(state[key]) && !(state[key] instanceof Tensor))
        throw new ValueError(`${op}: '${key}' of parameter ${index} must be a Tensor`);
    }
  }

  /** Adds a group of parameters, with hyper-parameters overriding the defaults. */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== 'object' || !('params' in group)) {
      throw new ValueError(`${this.name}: a parameter group must be an object with a 'params' field`);
    }
    const params = group.params instanceof Tensor ? [group.params] : Array.from(group.params);
    const seen = new Set<Tensor>(this.paramGroups.flatMap((g) => g.params));
    const index = this.paramGroups.length;
    for (const p of params) {
      if (!(p instanceof Tensor))
        throw new ValueError(`${this.name}: group ${index} holds something that is not a Tensor`);
      if (p.dtype === 'int32')
        throw new DTypeError(`${this.name}: cannot optimize an int32 tensor (group ${index})`);
      if (!p.isLeaf) throw new ValueError(`${this.name}: cannot optimize a non-leaf tensor (group ${index})`);
      if (!p.isContiguous) {
        throw new ValueError(
          `${this.name}: parameters must be contiguous, got strides [${p.strides.join(',')}] (group ${index})`,
        );
      }
      if (seen.has(p))
        throw new ValueError(`${this.name}: a parameter appears in more than one group (group ${index})`);
      seen.add(p);
    }
    const options: Record<string, unknown> = { ...(this.defaults as object) };
    for (const [key, value] of Object.entries(group))
      if (key !== 'params' && value !== undefined) options[key] = value;
    this.checkOptions(options as unknown as O);
    this.paramGroups.push({ ...(options as unknown as O), params });
  }

  /**
   * Performs one update of every parameter that has a gradient (those with `grad` null are
   * skipped). If `closure` is given it is called first (to recompute the loss) and its result returned.
   */
  step<T>(closure?: () => T): T | undefined {
    const result = closure === undefined ? undefined : closure();
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const grad = p.grad;
        if (grad === null) continue;
        if (grad.dtype !== p.dtype) {
          throw new DTypeError(
            `${this.name}.step: gradient dtype ${grad.dtype} does not match parameter dtype ${p.dtype}`,
          );
        }
        if (grad.shape.length !== p.shape.length || grad.shape.some((d, i) => d !== p.shape[i])) {
          throw new ShapeError(
            `${this.name}.step: gradient shape ${fmtShape(grad.shape)} does not match parameter shape ${fmtShape(p.shape)}`,
          );
        }
        if (p.device !== 'cpu') {
          const s = this.state.get(p) ?? {};
          this.state.set(p, s);
          noGrad(() => this.updateOnDevice(p, grad, group, s));
          continue;
        }
        // A non-contiguous gradient (an expanded or transposed view) is copied once, here.
        const contiguous = grad.isContiguous;
        const g = (contiguous ? grad.data : grad.toTypedArray()) as FloatArray;
        let state = this.state.get(p);
        if (state === undefined) {
          state = {};
          this.state.set(p, state);
        }
        this.update(p.data as FloatArray, p.offset, p.size, g, contiguous ? grad.offset : 0, group, state);
      }
    }
    return result;
  }

  /**
   * Clears the gradients: to null (the default, as PyTorch), or with `setToNone` false to zeros in
   * place (a non-contiguous gradient view is set to null instead, since its buffer may be shared).
   */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (setToNone || !p.grad.isContiguous) p.grad = null;
        else if (p.grad.device !== 'cpu')
          p.grad.copy_(zeros([], { dtype: p.grad.dtype, device: p.grad.device }));
        else p.grad.data.fill(0, p.grad.offset, p.grad.offset + p.grad.size);
      }
    }
  }

  /** The optimizer's state and hyper-parameters, copied (later steps do not change it). */
  stateDict(): OptimizerStateDict<O> {
    const state: Record<number, Record<string, number | Tensor>> = {};
    const paramGroups: OptimizerStateDict<O>['paramGroups'] = [];
    let index = 0;
    for (const group of this.paramGroups) {
      const indices: number[] = [];
      for (const p of group.params) {
        const s = this.state.get(p);
        if (s !== undefined && Object.keys(s).length > 0) {
          const saved: Record<string, number | Tensor> = {};
          for (const [key, value] of Object.entries(s)) {
            saved[key] =
              typeof value === 'number'
                ? value
                : value instanceof Tensor
                  ? noGrad(() => value.clone())
                  : new Tensor(value.slice(), p.shape);
          }
          state[index] = saved;
        }
        indices.push(index++);
      }
      const { params: _params, ...options } = group;
      paramGroups.push({ ...copyOptions(options), params: indices } as O & { params: number[] });
    }
    return { state, paramGroups };
  }

  /**
   * `stateDict()` with every state tensor read back to the CPU: what `saveCheckpoint` and
   * `saveSafetensors` need from an optimizer of GPU parameters (whose `stateDict()` holds GPU
   * tensors, as PyTorch's does).
   *
   * @example
   * const optimizer = new Adam(new Linear(4, 2).parameters()); // its parameters on any device
   * const saved = await optimizer.stateDictAsync(); // state tensors on the CPU, ready to save
   */
  async stateDictAsync(): Promise<OptimizerStateDict<O>> {
    const dict = this.stateDict();
    for (const s of Object.values(dict.state)) {
      for (const [key, value] of Object.entries(s))
        if (value instanceof Tensor && value.device !== 'cpu') s[key] = await value.toAsync('cpu');
    }
    return dict;
  }

  /**
   * Restores a state dict from `stateDict()`: the group hyper-parameters and the per-parameter
   * state. The group and parameter counts and every state buffer's shape must match; nothing
   * changes when a check fails.
   */
  loadStateDict(dict: OptimizerStateDict<O>): void {
    const op = `${this.name}.loadStateDict`;
    if (
      dict === null ||
      typeof dict !== 'object' ||
      !Array.isArray(dict.paramGroups) ||
      typeof dict.state !== 'object'
    ) {
      throw new ValueError(`${op}: expected an object with 'state' and 'paramGroups'`);
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new ValueError(
        `${op}: the state dict has ${dict.paramGroups.length} parameter groups, the optimizer has ${this.paramGroups.length}`,
      );
    }
    const params: Tensor[] = [];
    const groups: ParamGroup<O>[] = [];
    dict.paramGroups.forEach((saved, g) => {
      const live = this.paramGroups[g]!;
      if (!Array.isArray(saved.params) || saved.params.length !== live.params.length) {
        const got = Array.isArray(saved.params) ? saved.params.length : 'no';
        throw new ValueError(
          `${op}: group ${g} has ${got} parameters in the state dict, ${live.params.length} in the optimizer`,
        );
      }
      const { params: _params, ...options } = saved;
      const merged = { ...live, ...copyOptions(options), params: live.params } as ParamGroup<O>;
      this.checkOptions(merged);
      groups.push(merged);
      params.push(...live.params);
    });
    const state = new Map<Tensor, ParamState>();
    for (const [key, saved] of Object.entries(dict.state)) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index >= params.length) {
        throw new ValueError(
          `${op}: state for parameter ${key}, but the optimizer has parameters 0..${params.length - 1}`,
        );
      }
      const p = params[index]!;
      const s: ParamState = {};
      for (const [name, value] of Object.entries(saved)) {
        if (typeof value === 'number') s[name] = value;
        else if (value instanceof Tensor) {
          if (value.shape.length !== p.shape.length || value.shape.some((d, i) => d !== p.shape[i])) {
            throw new ShapeError(
              `${op}: state '${name}' of parameter ${index} has shape ${fmtShape(value.shape)}, the parameter has shape ${fmtShape(p.shape)}`,
            );
          }
          if (p.device !== 'cpu') {
            s[name] = noGrad(() => value.detach().to(p.dtype).to(p.device).clone());
            continue;
          }
          const buffer = p.dtype === 'float64' ? new Float64Array(p.size) : new Float32Array(p.size);
          buffer.set(value.toTypedArray() as TypedArray);
          s[name] = buffer;
        } else
          throw new ValueError(
            `${op}: state '${name}' of parameter ${index} is neither a number nor a Tensor`,
          );
      }
      this.checkState(s, index);
      state.set(p, s);
    }
    // Update the live groups in place, so references to them (schedulers, user code) stay valid.
    for (const [g, group] of groups.entries()) Object.assign(this.paramGroups[g]!, group);
    this.state = state;
  }
}

function copyOptions<T extends object>(options: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) out[key] = Array.isArray(value) ? [...value] : value;
  return out as T;
}

/** A zero-filled buffer of the parameter's dtype (`like`'s kind) with `n` elements. */
export function zerosBuffer(like: FloatArray, n: number): FloatArray {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/** Throws unless `value` is a finite number ≥ 0. */
export function checkNonNegative(op: string, option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValueError(`${op}: invalid ${option} ${String(value)} (expected a finite number ≥ 0)`);
  }
}

/** Throws unless `value` is a boolean. */
export function checkBoolean(op: string, option: string, value: unknown): void {
  if (typeof value !== 'boolean')
    throw new ValueError(`${op}: invalid ${option} ${String(value)} (expected true or false)`);
}

/** A zero-filled state tensor shaped like `p`, on its device and in its dtype (device updates). */
export function zerosState(p: Tensor): Tensor {
  return zeros([...p.shape], { dtype: p.dtype, device: p.device });
}
