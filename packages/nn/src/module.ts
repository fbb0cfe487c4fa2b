/**
 * `Module`, the base class of layers and models, as `torch.nn.Module`: parameters, child modules
 * and buffers are found from its fields, in field order, and named with dots (`fc1.weight`).
 */
import {
  cast,
  cat,
  customOp,
  type Device,
  DeviceError,
  type DType,
  DTypeError,
  fmtShape,
  noGrad,
  ShapeError,
  Tensor,
  ValueError,
  zerosLike,
} from '@tsgrad/core';
import { writeInPlace } from './init.js';
import { Parameter } from './parameter.js';

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Require the keys to match the module's exactly (default true). Shapes must match either way. */
  strict?: boolean;
}

/** What `loadStateDict` did not match: keys the module expected but the dict lacks, and the reverse. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A module's own members, read from its fields: [state-dict name, member, field name]. */
interface OwnMembers {
  params: [string, Parameter, string][];
  modules: [string, Module, string][];
}

/** A handle returned by the `register…Hook` methods: `remove()` unregisters the hook. */
export interface RemovableHandle {
  remove(): void;
}

/**
 * Runs before `forward` inside `call`, with the arguments; returning something else than undefined
 * replaces them (an array is the new argument list, anything else the single argument).
 */
export type ForwardPreHook<M extends Module = Module> = (module: M, inputs: unknown[]) => unknown;

/** Runs after `forward` inside `call`; returning something else than undefined replaces the output. */
export type ForwardHook<M extends Module = Module> = (
  module: M,
  inputs: unknown[],
  output: unknown,
) => unknown;

/**
 * Runs during backward once the gradients of the module's tensor inputs are known (PyTorch's full
 * backward hook): `gradInput[i]` is the gradient of the i-th tensor argument (null if it needs none),
 * `gradOutput[j]` that of the j-th tensor output (null if it got none). Returning an array replaces
 * `gradInput`.
 */
export type FullBackwardHook<M extends Module = Module> = (
  module: M,
  gradInput: (Tensor | null)[],
  gradOutput: (Tensor | null)[],
) => BackwardHookResult;

/** What a full backward hook returns: new input gradients, or nothing to keep them. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook written without a return statement returns void
export type BackwardHookResult = (Tensor | null)[] | undefined | void;

interface Hooks {
  pre: Map<number, ForwardPreHook<never>>;
  post: Map<number, ForwardHook<never>>;
  backward: Map<number, FullBackwardHook<never>>;
}

let nextHookId = 0;

const mergedStateKeys = new WeakMap<object, Readonly<Record<string, string>>>();

/** The `stateKeys` of a class merged with those of its ancestors (a subclass's entries win). */
function stateKeysOf(ctor: typeof Module): Readonly<Record<string, string>> {
  let merged = mergedStateKeys.get(ctor);
  if (merged === undefined) {
    const chain: Readonly<Record<string, string>>[] = [];
    for (
      let c: unknown = ctor;
      typeof c === 'function' && c !== Function.prototype;
      c = Object.getPrototypeOf(c)
    ) {
      if (Object.hasOwn(c, 'stateKeys')) chain.unshift((c as typeof Module).stateKeys);
    }
    merged = Object.assign({}, ...chain) as Record<string, string>;
    mergedStateKeys.set(ctor, merged);
  }
  return merged;
}

type Fields = Record<string, unknown>;

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function checkMemberName(op: string, name: string): void {
  if (name === '' || name.includes('.')) {
    throw new ValueError(`${op}: name '${name}' must be non-empty and contain no '.'`);
  }
}

/** Indents every line but the first by `spaces` (PyTorch's `_addindent`). */
function indentTail(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text.split('\n').join(`\n${pad}`);
}

/** True for `{…}` literals and `Object.create(null)`: the containers PyTorch does not look into. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The error for a field that holds modules or parameters inside a plain array, object or Map: like
 * PyTorch, tsgrad does not register them (an optimizer would silently miss them), so it says so.
 */
function unregisteredField(op: string, owner: string, key: string, value: unknown): ValueError | null {
  let items: readonly unknown[];
  let kind: string;
  if (Array.isArray(value)) {
    items = value;
    kind = 'a plain array';
  } else if (value instanceof Map) {
    items = [...value.values()];
    kind = 'a Map';
  } else if (isPlainObject(value)) {
    items = Object.values(value);
    kind = 'a plain object';
  } else return null;
  const modules = items.some((v) => v instanceof Module);
  if (!modules && !items.some((v) => v instanceof Parameter)) return null;
  const fix = !modules
    ? `register each Parameter with registerParameter(name, p)`
    : Array.isArray(value)
      ? `use a ModuleList: this.${key} = new ModuleList([...])`
      : `use a ModuleDict: this.${key} = new ModuleDict({...})`;
  return new ValueError(
    `${op}: ${owner}.${key} is ${kind} holding ${modules ? 'modules' : 'parameters'}, which are not registered ` +
      `(their parameters would be missed by optimizers and stateDict); ${fix}`,
  );
}

interface BackwardHookState {
  /** The gradients of the tensor outputs, once the output side of the graph has run. */
  gradOutput: (Tensor | null)[] | null;
  /** The arguments (tensors, or null for other arguments). */
  inputs?: (Tensor | null)[];
  /** Whether an input side exists, whose backward runs the hooks. */
  pending?: boolean;
}

function addHook<H>(hooks: Map<number, H>, hook: H): RemovableHandle {
  if (typeof hook !== 'function') throw new ValueError('register hook: expected a function');
  const id = nextHookId++;
  hooks.set(id, hook);
  return { remove: () => void hooks.delete(id) };
}

/** `x` (1-D) cut into consecutive pieces of the given sizes. */
function splitFlat(x: Tensor, sizes: readonly number[]): Tensor[] {
  const out: Tensor[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(x.narrow(0, at, n));
    at += n;
  }
  return out;
}

function runBackwardHooks<M extends Module>(
  module: M,
  hooks: FullBackwardHook<M>[],
  gradInput: (Tensor | null)[],
  gradOutput: (Tensor | null)[],
): (Tensor | null)[] {
  let current = gradInput;
  for (const hook of hooks) {
    const result = hook(module, current, gradOutput);
    if (result === undefined) continue;
    if (!Array.isArray(result) || result.length !== current.length) {
      throw new ValueError(
        `registerFullBackwardHook: ${module.constructor.name}'s hook returned ${Array.isArray(result) ? `${result.length} gradients` : typeof result}, expected an array of ${current.length}`,
      );
    }
    result.forEach((g, i) => {
      const before = current[i];
      if (
        g !== null &&
        before !== null &&
        before !== undefined &&
        fmtShape(g.shape) !== fmtShape(before.shape)
      ) {
        throw new ShapeError(
          `registerFullBackwardHook: ${module.constructor.name}'s hook returned a gradient of shape ${fmtShape(g.shape)} for input ${i} of shape ${fmtShape(before.shape)}`,
        );
      }
    });
    current = result;
  }
  return current;
}

function quoteList(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map((k) => `'${k}'`);
  if (keys.length > 10) shown.push(`… (${keys.length - 10} more)`);
  return shown.join(', ');
}

/**
 * Base class of every layer and model. A subclass assigns its `Parameter`s and child `Module`s as
 * fields, and implements `forward`; registration is automatic. As in PyTorch, modules inside a plain
 * array or object are not registered, and listing parameters or the state reports them: hold them
 * in a `ModuleList` or `ModuleDict` instead.
 *
 * Buffers (state that is not trained, such as running statistics) are registered with
 * `registerBuffer` and are saved in `stateDict()` like parameters.
 *
 * @example
 * class Net extends Module {
 *   fc1 = new Linear(784, 50);
 *   fc2 = new Linear(50, 10);
 *   forward(x: Tensor): Tensor {
 *     return this.fc2.call(this.fc1.call(x).sigmoid());
 *   }
 * }
 * new Net().namedParameters().map(([name]) => name); // fc1.weight, fc1.bias, fc2.weight, fc2.bias
 */
export abstract class Module {
  /** True in training mode (the default); `eval()` clears it in this module and every descendant. */
  training = true;
  /** Names of registered buffers (read from the fields of the same names), with persistence. */
  readonly #buffers = new Map<string, boolean>();
  /** Forward pre-hooks, forward hooks and full backward hooks, by handle id; null until one is added. */
  #hooks: Hooks | null = null;

  /**
   * The names under which a class's fields appear in `stateDict`, `namedParameters`, `namedBuffers`
   * and `namedModules`, where PyTorch spells them differently from the TypeScript field
   * (`{ runningMean: 'running_mean', selfAttn: 'self_attn' }`). Fields not listed keep their name.
   * A subclass overrides it with a `static override readonly stateKeys = {…}`; the maps of its base
   * classes still apply (a subclass's entry wins).
   */
  static readonly stateKeys: Readonly<Record<string, string>> = {};

  /** The computation of this module. Subclasses narrow the signature, e.g. `forward(x: Tensor): Tensor`. */
  abstract forward(...inputs: never[]): unknown;

  /**
   * Runs the module: the forward pre-hooks, `forward`, the forward hooks, and wires the full
   * backward hooks into the graph, as PyTorch's `module(x)`. `forward` alone is the plain
   * computation and runs no hook. Layers call their children with `call`.
   */
  call<M extends Module>(this: M, ...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    const forward = this.forward as (...args: unknown[]) => ReturnType<M['forward']>;
    const hooks = this.#hooks;
    if (hooks === null || (hooks.pre.size === 0 && hooks.post.size === 0 && hooks.backward.size === 0)) {
      return forward.apply(this, inputs);
    }
    let args: unknown[] = inputs;
    for (const hook of [...hooks.pre.values()]) {
      const result = (hook as ForwardPreHook<M>)(this, args);
      if (result !== undefined) args = Array.isArray(result) ? result : [result];
    }
    const backward = [...hooks.backward.values()] as FullBackwardHook<Module>[];
    const state: BackwardHookState | null = backward.length > 0 ? { gradOutput: null } : null;
    if (state !== null) args = this.#hookInputs(args, state, backward);
    let output: unknown = forward.apply(this, args);
    for (const hook of [...hooks.post.values()]) {
      const result = (hook as ForwardHook<M>)(this, args, output);
      if (result !== undefined) output = result;
    }
    if (state !== null) output = this.#hookOutputs(output, state, backward);
    return output as ReturnType<M['forward']>;
  }

  #hookList(): Hooks {
    this.#hooks ??= { pre: new Map(), post: new Map(), backward: new Map() };
    return this.#hooks;
  }

  /** Adds a hook run by `call` before `forward` (see `ForwardPreHook`); returns its handle. */
  registerForwardPreHook<M extends Module>(this: M, hook: ForwardPreHook<M>): RemovableHandle {
    return addHook(this.#hookList().pre, hook as ForwardPreHook<never>);
  }

  /** Adds a hook run by `call` after `forward` (see `ForwardHook`); returns its handle. */
  registerForwardHook<M extends Module>(this: M, hook: ForwardHook<M>): RemovableHandle {
    return addHook(this.#hookList().post, hook as ForwardHook<never>);
  }

  /**
   * Adds a hook run during backward with the gradients of the module's tensor inputs and outputs
   * (see `FullBackwardHook`); it applies to later calls of `call`. Returns its handle.
   */
  registerFullBackwardHook<M extends Module>(this: M, hook: FullBackwardHook<M>): RemovableHandle {
    return addHook(this.#hookList().backward, hook as FullBackwardHook<never>);
  }

  /**
   * Routes the tensor arguments that require a gradient through one identity op, so that their
   * gradients arrive together and the backward hooks see (and may replace) all of them at once.
   */
  #hookInputs(args: unknown[], state: BackwardHookState, hooks: FullBackwardHook<Module>[]): unknown[] {
    const slots = args.map((a, i) => [a, i] as const).filter(([a]) => a instanceof Tensor && a.requiresGrad);
    state.inputs = args.map((a) => (a instanceof Tensor ? a : null));
    if (slots.length === 0) return args;
    const tensors = slots.map(([a]) => a as Tensor);
    const dtype = tensors[0]!.dtype;
    if (tensors.some((t) => t.dtype !== dtype)) {
      throw new DTypeError(
        `registerFullBackwardHook: ${this.constructor.name}'s inputs that require grad have different dtypes (${tensors.map((t) => t.dtype).join(', ')})`,
      );
    }
    const sizes = tensors.map((t) => t.size);
    const packed = customOp({
      name: `${this.constructor.name}.backwardHook`,
      forward: (...xs) =>
        cat(
          xs.map((x) => x.reshape([-1])),
          0,
        ),
      backward: (grad) => {
        let parts: (Tensor | null)[] = splitFlat(grad, sizes).map((g, i) => g.reshape(tensors[i]!.shape));
        const gradInput = state.inputs!.map(() => null as Tensor | null);
        slots.forEach(([, at], i) => {
          gradInput[at] = parts[i]!;
        });
        const out = runBackwardHooks(this, hooks, gradInput, state.gradOutput ?? []);
        parts = slots.map(([, at]) => out[at] ?? null);
        return parts.map((g, i) => g ?? zerosLike(tensors[i]!));
      },
    })(...tensors);
    state.pending = true;
    const pieces = splitFlat(packed, sizes).map((p, i) => p.reshape(tensors[i]!.shape));
    const out = [...args];
    slots.forEach(([, at], i) => {
      out[at] = pieces[i]!;
    });
    return out;
  }

  /** Routes the tensor outputs through one identity op that records their gradients for the hooks. */
  #hookOutputs(output: unknown, state: BackwardHookState, hooks: FullBackwardHook<Module>[]): unknown {
    const list = Array.isArray(output) ? [...(output as unknown[])] : [output];
    const slots = list.map((o, i) => [o, i] as const).filter(([o]) => o instanceof Tensor && o.requiresGrad);
    if (slots.length === 0) return output;
    const tensors = slots.map(([o]) => o as Tensor);
    const dtype = tensors[0]!.dtype;
    if (tensors.some((t) => t.dtype !== dtype)) {
      throw new DTypeError(
        `registerFullBackwardHook: ${this.constructor.name}'s outputs have different dtypes (${tensors.map((t) => t.dtype).join(', ')})`,
      );
    }
    const sizes = tensors.map((t) => t.size);
    const packed = customOp({
      name: `${this.constructor.name}.backwardHookOutput`,
      forward: (...xs) =>
        cat(
          xs.map((x) => x.reshape([-1])),
          0,
        ),
      backward: (grad) => {
        const parts = splitFlat(grad, sizes);
        const gradOutput = list.map(() => null as Tensor | null);
        slots.forEach(([, at], i) => {
          gradOutput[at] = parts[i]!.reshape(tensors[i]!.shape);
        });
        state.gradOutput = gradOutput;
        // Without an input that needs a gradient, the hooks run here (with gradInput all null).
        if (state.pending !== true) {
          runBackwardHooks(
            this,
            hooks,
            (state.inputs ?? []).map(() => null),
            gradOutput,
          );
        }
        return parts.map((g, i) => g.reshape(tensors[i]!.shape));
      },
    })(...tensors);
    const pieces = splitFlat(packed, sizes).map((p, i) => p.reshape(tensors[i]!.shape));
    slots.forEach(([, at], i) => {
      list[at] = pieces[i]!;
    });
    return Array.isArray(output) ? list : list[0];
  }

  // ---- registration ----

  /**
   * Registers a tensor that is part of the module's state but not a parameter (e.g. BatchNorm's
   * running mean): it is stored in the field `name`, listed by `buffers()`, and saved by
   * `stateDict()` unless `persistent` is false (under the name `stateKeys` gives the field, if any).
   * Returns the tensor, so it can initialise a field:
   * `this.runningMean = this.registerBuffer('runningMean', zeros([n]))`. A buffer may later be
   * replaced by assigning the field; null means "registered but absent".
   */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, persistent = true): T {
    checkMemberName('registerBuffer', name);
    if (tensor instanceof Parameter) {
      throw new ValueError(
        `registerBuffer: '${name}' is a Parameter; assign it as a field or use registerParameter`,
      );
    }
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new ValueError(`registerBuffer: '${name}' must be a Tensor or null`);
    }
    (this as unknown as Fields)[name] = tensor;
    this.#buffers.set(name, persistent);
    return tensor;
  }

  /** Registers a parameter under a computed name (equivalent to assigning the field `name`). */
  registerParameter<T extends Parameter | null>(name: string, param: T): T {
    checkMemberName('registerParameter', name);
    (this as unknown as Fields)[name] = param;
    return param;
  }

  /** Registers a child module under a computed name, e.g. `'0'` (equivalent to assigning the field). */
  registerModule<T extends Module | null>(name: string, module: T): T {
    checkMemberName('registerModule', name);
    (this as unknown as Fields)[name] = module;
    return module;
  }

  /**
   * The names of the fields searched for parameters and child modules, in the order they are listed.
   * Own enumerable fields in assignment order by default; a container may override it.
   */
  protected memberNames(): string[] {
    return Object.keys(this);
  }

  /**
   * This module's own parameters and children, from its fields in order. A field holding modules
   * or parameters inside a plain array, object or Map is an error naming `op` (see `ModuleList`).
   */
  #ownMembers(op: string): OwnMembers {
    const params: [string, Parameter, string][] = [];
    const modules: [string, Module, string][] = [];
    const fields = this as unknown as Fields;
    const names = this.#stateKeys();
    for (const key of this.memberNames()) {
      if (this.#buffers.has(key)) continue;
      const value = fields[key];
      const name = names[key] ?? key;
      if (value instanceof Parameter) params.push([name, value, key]);
      else if (value instanceof Module) modules.push([name, value, key]);
      else if (typeof value === 'object' && value !== null && !(value instanceof Tensor)) {
        const error = unregisteredField(op, this.constructor.name, key, value);
        if (error !== null) throw error;
      }
    }
    return { params, modules };
  }

  /** The map from field names to state-dict names of this module's class (see `stateKeys`). */
  #stateKeys(): Readonly<Record<string, string>> {
    return stateKeysOf(this.constructor as typeof Module);
  }

  /** This module's own buffers that hold a tensor, in registration order: [state-dict name, tensor, field]. */
  #ownBuffers(persistentOnly: boolean): [string, Tensor, string][] {
    const out: [string, Tensor, string][] = [];
    const fields = this as unknown as Fields;
    const names = this.#stateKeys();
    for (const [name, persistent] of this.#buffers) {
      const value = fields[name];
      if (value === null || value === undefined || (persistentOnly && !persistent)) continue;
      if (!(value instanceof Tensor)) {
        throw new ValueError(
          `${this.constructor.name}: buffer '${name}' holds a ${typeof value}, not a Tensor`,
        );
      }
      out.push([names[name] ?? name, value, name]);
    }
    return out;
  }

  // ---- traversal ----

  /** The direct children with their names, each module once. */
  namedChildren(): [string, Module][] {
    return this.#namedChildren('namedChildren');
  }

  #namedChildren(op: string): [string, Module][] {
    const seen = new Set<Module>();
    return this.#ownMembers(op)
      .modules.filter(([, m]) => !seen.has(m) && seen.add(m))
      .map(([name, m]) => [name, m]);
  }

  /** The direct children, each once. */
  children(): Module[] {
    return this.#namedChildren('children').map(([, m]) => m);
  }

  /** This module and all its descendants, pre-order, each once, with dotted names (this one is ''). */
  namedModules(prefix = ''): [string, Module][] {
    return this.#namedModules(prefix, 'namedModules');
  }

  #namedModules(prefix: string, op: string): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    // An explicit stack, so that deep nesting cannot overflow the call stack.
    const stack: [string, Module][] = [[prefix, this]];
    while (stack.length > 0) {
      const [name, module] = stack.pop()!;
      if (seen.has(module)) continue;
      seen.add(module);
      out.push([name, module]);
      const kids = module.#ownMembers(op).modules;
      for (let i = kids.length - 1; i >= 0; i--) stack.push([join(name, kids[i]![0]), kids[i]![1]]);
    }
    return out;
  }

  /** This module and all its descendants, pre-order, each once. */
  modules(): Module[] {
    return this.#namedModules('', 'modules').map(([, m]) => m);
  }

  /**
   * Every parameter with its dotted name (`0.weight`, `fc1.bias`): each module's own parameters,
   * modules in pre-order. A parameter shared by several modules is listed once, under its first name.
   */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    return this.#namedParameters(prefix, recurse, 'namedParameters');
  }

  #namedParameters(prefix: string, recurse: boolean, op: string): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const modules: [string, Module][] = recurse ? this.#namedModules(prefix, op) : [[prefix, this]];
    for (const [name, module] of modules) {
      for (const [key, p] of module.#ownMembers(op).params) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([join(name, key), p]);
      }
    }
    return out;
  }

  /** Every parameter, each once (what an optimizer takes). */
  parameters(recurse = true): Parameter[] {
    return this.#parameters(recurse, 'parameters');
  }

  #parameters(recurse: boolean, op: string): Parameter[] {
    return this.#namedParameters('', recurse, op).map(([, p]) => p);
  }

  /** Every buffer that holds a tensor, with its dotted name, each once. */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.#namedBuffers(prefix, recurse, 'namedBuffers');
  }

  #namedBuffers(prefix: string, recurse: boolean, op: string): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const modules: [string, Module][] = recurse ? this.#namedModules(prefix, op) : [[prefix, this]];
    for (const [name, module] of modules) {
      for (const [key, b] of module.#ownBuffers(false)) {
        if (seen.has(b)) continue;
        seen.add(b);
        out.push([join(name, key), b]);
      }
    }
    return out;
  }

  /** Every buffer that holds a tensor, each once. */
  buffers(recurse = true): Tensor[] {
    return this.#namedBuffers('', recurse, 'buffers').map(([, b]) => b);
  }

  /** Calls `fn` on every descendant and then on this module (as PyTorch's `apply`), and returns this. */
  apply(fn: (module: Module) => void): this {
    const all = this.#namedModules('', 'apply').map(([, m]) => m);
    for (let i = all.length - 1; i >= 0; i--) fn(all[i]!);
    return this;
  }

  // ---- modes and gradients ----

  /** Sets training mode (true) or evaluation mode (false) in this module and every descendant. */
  train(mode = true): this {
    for (const [, m] of this.#namedModules('', 'train')) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`): Dropout passes its input through, for instance. */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient: to null (default, like `set_to_none`) or to zeros. */
  zeroGrad(setToNone = true): void {
    for (const p of this.#parameters(true, 'zeroGrad')) {
      if (p.grad === null) continue;
      p.grad = setToNone ? null : zerosLike(p.grad, { device: p.grad.device });
    }
  }

  /** Turns gradients on (default) or off for every parameter, e.g. to freeze part of a model. */
  requiresGrad_(requires = true): this {
    for (const p of this.#parameters(true, 'requiresGrad_')) p.requiresGrad_(requires);
    return this;
  }

  /** Number of parameter elements (shared parameters counted once); only trainable ones if asked. */
  numParameters(onlyTrainable = false): number {
    let n = 0;
    for (const p of this.#parameters(true, 'numParameters'))
      if (!onlyTrainable || p.requiresGrad) n += p.size;
    return n;
  }

  // ---- dtype and device ----

  /**
   * Casts every floating-point parameter and buffer (and gradient) of this module and its
   * descendants to `dtype`, as PyTorch's `module.to(dtype)`; integer buffers such as
   * `num_batches_tracked` keep their dtype. Or moves them all to a device, as `module.to(device)`:
   * `to('webgpu')` uploads (after `await initDevice('webgpu')`); leaving a GPU for the CPU reads
   * the weights back, which is asynchronous, so `to('cpu')` on a GPU module is a DeviceError and
   * `await module.toAsync('cpu')` does it. Parameters are replaced by new `Parameter`s (shared
   * ones stay shared), so build the optimizer after the move or cast. Returns this.
   *
   * @example
   * await initDevice('webgpu');
   * const model = new Linear(784, 10).to('webgpu'); // then new SGD(model.parameters(), …)
   */
  to(target: DType | Device): this {
    if (target === 'cpu' || target === 'webgpu') return this.#toDevice(target);
    const dtype = target;
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new DTypeError(
        `Module.to: dtype must be 'float32' or 'float64' (or a device: 'cpu' or 'webgpu'), got '${String(dtype)}'`,
      );
    }
    return this.#replaceTensors('to', (t) =>
      t.dtype === dtype || t.dtype === 'int32' || t.dtype === 'bool'
        ? t
        : noGrad(() => cast(t.detach(), dtype)),
    );
  }

  /**
   * Moves every parameter, gradient and buffer to `device`, awaiting the reads when they leave a
   * GPU (as `to(device)` otherwise). Returns this.
   *
   * @example
   * await initDevice('webgpu');
   * const model = new Linear(4, 2).to('webgpu');
   * await model.toAsync('cpu'); // a CPU module again: model.weight.toArray() works
   */
  async toAsync(device: Device): Promise<this> {
    if (device !== 'cpu') return this.to(device);
    const away = this.#deviceTensors('toAsync').filter((t) => t.device !== 'cpu');
    const read = await Promise.all(away.map((t) => t.detach().toAsync('cpu')));
    const moved = new Map(away.map((t, i) => [t, read[i]!]));
    return this.#replaceTensors('toAsync', (t) => moved.get(t) ?? t);
  }

  #toDevice(device: Device): this {
    if (device === 'cpu') {
      const away = this.#deviceTensors('to').find((t) => t.device !== 'cpu');
      if (away !== undefined) {
        throw new DeviceError(
          `Module.to: moving ${this.constructor.name} from ${away.device} to the cpu reads its weights back, ` +
            "which is asynchronous: use await module.toAsync('cpu')",
        );
      }
      return this;
    }
    return this.#replaceTensors('to', (t) => (t.device === device ? t : noGrad(() => t.detach().to(device))));
  }

  /** Every parameter, gradient and buffer of this module and its descendants, each once. */
  #deviceTensors(op: string): Tensor[] {
    const out = new Set<Tensor>();
    for (const [, module] of this.#namedModules('', op)) {
      for (const [, p] of module.#ownMembers(op).params) {
        out.add(p);
        if (p.grad !== null) out.add(p.grad);
      }
      for (const [, b] of module.#ownBuffers(false)) out.add(b);
    }
    return [...out];
  }

  /**
   * Replaces each parameter (with its gradient) and buffer `t` by `convert(t)` where that is a
   * new tensor; a parameter becomes a new `Parameter`. Shared tensors stay shared.
   */
  #replaceTensors(op: string, convert: (t: Tensor) => Tensor): this {
    const done = new Map<Tensor, Tensor>();
    const once = <T extends Tensor>(t: T, make: (c: Tensor) => T): T => {
      let out = done.get(t) as T | undefined;
      if (out === undefined) {
        const c = convert(t);
        out = c === t ? t : make(c);
        done.set(t, out);
      }
      return out;
    };
    for (const [, module] of this.#namedModules('', op)) {
      const fields = module as unknown as Fields;
      for (const [, p, field] of module.#ownMembers(op).params) {
        fields[field] = once(p, (c) => {
          const q = new Parameter(c, p.requiresGrad);
          if (p.grad !== null) q.grad = convert(p.grad);
          return q;
        });
      }
      for (const [, b, field] of module.#ownBuffers(false)) fields[field] = once(b, (c) => c);
    }
    return this;
  }

  /** `to('float64')`. */
  double(): this {
    return this.to('float64');
  }

  /** `to('float32')`. */
  float(): this {
    return this.to('float32');
  }

  // ---- state ----

  /**
   * The tensors that make up the state, as PyTorch's `state_dict` orders them: each module's own
   * parameters, then its persistent buffers, then its children's, recursively. A module reached
   * under two names appears under both. Cycles are an error.
   */
  #stateEntries(op: string): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const walk = (module: Module, prefix: string, ancestors: Set<Module>): void => {
      const own = module.#ownMembers(op);
      for (const [key, p] of own.params) out.push([join(prefix, key), p]);
      for (const [key, b] of module.#ownBuffers(true)) out.push([join(prefix, key), b]);
      ancestors.add(module);
      for (const [key, child] of own.modules) {
        if (ancestors.has(child)) {
          throw new ValueError(`${op}: module '${join(prefix, key)}' contains itself (a cycle of modules)`);
        }
        walk(child, join(prefix, key), ancestors);
      }
      ancestors.delete(module);
    };
    walk(this, '', new Set());
    return out;
  }

  /**
   * The module's parameters and persistent buffers by dotted name, in a stable order. The values
   * are detached tensors sharing memory with the module (as PyTorch's); `clone()` them to keep a
   * snapshot that later training does not change. On a GPU module they are GPU tensors: to save
   * them, take `await stateDictAsync()` (CPU copies) instead.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [key, t] of this.#stateEntries('stateDict')) out[key] = t.detach();
    return out;
  }

  /**
   * The state dict as CPU copies, read back from whichever device the module lives on: what
   * `saveSafetensors` needs from a GPU module (on the CPU: copies of `stateDict()`).
   *
   * @example
   * const model = new Linear(4, 2); // on any device, e.g. after model.to('webgpu')
   * saveSafetensors(await model.stateDictAsync(), 'model.safetensors');
   */
  async stateDictAsync(): Promise<Record<string, Tensor>> {
    const entries = this.#stateEntries('stateDictAsync');
    const read = await Promise.all(
      entries.map(([, t]) =>
        t.device === 'cpu' ? Promise.resolve(t.detach().clone()) : t.detach().toAsync('cpu'),
      ),
    );
    const out: Record<string, Tensor> = {};
    entries.forEach(([key], i) => {
      out[key] = read[i]!;
    });
    return out;
  }

  /**
   * Copies the values of `dict` into the module's parameters and buffers, in place (so optimizers
   * holding the parameters keep working). Every shape and dtype is checked before anything is
   * written. With `strict` (the default), missing or unexpected keys are an error; otherwise they
   * are returned.
   */
  loadStateDict(
    dict: Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>,
    options: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    const strict = options.strict ?? true;
    const given: ReadonlyMap<string, Tensor> =
      dict instanceof Map ? dict : new Map(Object.entries(dict as Record<string, Tensor>));
    const entries = this.#stateEntries('loadStateDict');
    const expected = new Set(entries.map(([k]) => k));
    const missingKeys = entries.map(([k]) => k).filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !expected.has(k));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts: string[] = [];
      if (missingKeys.length > 0) parts.push(`missing keys ${quoteList(missingKeys)}`);
      if (unexpectedKeys.length > 0) parts.push(`unexpected keys ${quoteList(unexpectedKeys)}`);
      throw new ValueError(
        `loadStateDict: error(s) in loading state dict for ${this.constructor.name}: ${parts.join('; ')}`,
      );
    }
    const copies: [Tensor, Tensor][] = [];
    for (const [key, target] of entries) {
      const source = given.get(key);
      if (source === undefined) continue;
      if (!(source instanceof Tensor))
        throw new ValueError(`loadStateDict: value of '${key}' is not a Tensor`);
      if (source.ndim !== target.ndim || source.shape.some((d, i) => d !== target.shape[i])) {
        throw new ShapeError(
          `loadStateDict: shape mismatch for '${key}': the dict has ${fmtShape(source.shape)}, ` +
            `the module has ${fmtShape(target.shape)}`,
        );
      }
      if (source.dtype !== target.dtype) {
        throw new DTypeError(
          `loadStateDict: dtype mismatch for '${key}': the dict has ${source.dtype}, the module has ${target.dtype}`,
        );
      }
      if (source.device !== target.device && target.device === 'cpu') {
        throw new DeviceError(
          `loadStateDict: '${key}' is on ${source.device} and the module on the cpu; read the dict back first ` +
            `(await t.toAsync('cpu')) or move the module with module.to('${source.device}')`,
        );
      }
      copies.push([target, source]);
    }
    noGrad(() => {
      for (const [target, source] of copies) {
        // A contiguous copy first, so a source that aliases the target is harmless; a CPU source
        // is uploaded to a GPU module's device.
        writeInPlace('loadStateDict', target, source.clone().to(target.device));
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- printing ----

  /** The module's settings for `toString`, e.g. `inFeatures=784, outFeatures=50, bias=true`. */
  extraRepr(): string {
    return '';
  }

  /**
   * A tree of the module and its children, as PyTorch prints modules:
   *
   * ```
   * Sequential(
   *   (0): Linear(inFeatures=784, outFeatures=50, bias=true)
   *   (1): Sigmoid()
   * )
   * ```
   */
  toString(): string {
    return this.#repr(new Set());
  }

  #repr(ancestors: Set<Module>): string {
    const extra = this.extraRepr();
    const extraLines = extra === '' ? [] : extra.split('\n');
    ancestors.add(this);
    const childLines = this.#ownMembers('toString').modules.map(([key, child]) => {
      const text = ancestors.has(child) ? `${child.constructor.name}(<cycle>)` : child.#repr(ancestors);
      return `(${key}): ${indentTail(text, 2)}`;
    });
    ancestors.delete(this);
    const lines = [...extraLines, ...childLines];
    let text = `${this.constructor.name}(`;
    if (extraLines.length === 1 && childLines.length === 0) text += extraLines[0];
    else if (lines.length > 0) text += `\n  ${lines.join('\n  ')}\n`;
    return `${text})`;
  }
}
