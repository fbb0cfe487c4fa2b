/**
 * `Module`, the base class of layers and models, as `torch.nn.Module`: parameters, child modules
 * and buffers are found from its fields, in field order, and named with dots (`fc1.weight`).
 */
import { DTypeError, fmtShape, noGrad, ShapeError, Tensor, ValueError, zerosLike } from '@tsgrad/core';
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

/** A module's own members, read from its fields. */
interface OwnMembers {
  params: [string, Parameter][];
  modules: [string, Module][];
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

  /** The computation of this module. Subclasses narrow the signature, e.g. `forward(x: Tensor): Tensor`. */
  abstract forward(...inputs: never[]): unknown;

  /** Shorthand for `forward`, with the subclass's signature: `model.call(x)`. */
  call<M extends Module>(this: M, ...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    return (this.forward as (...args: unknown[]) => ReturnType<M['forward']>)(...inputs);
  }

  // ---- registration ----

  /**
   * Registers a tensor that is part of the module's state but not a parameter (e.g. BatchNorm's
   * running mean): it is stored in the field `name`, listed by `buffers()`, and saved by
   * `stateDict()` unless `persistent` is false. Returns the tensor, so it can initialise a field:
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
    const params: [string, Parameter][] = [];
    const modules: [string, Module][] = [];
    const fields = this as unknown as Fields;
    for (const key of this.memberNames()) {
      if (this.#buffers.has(key)) continue;
      const value = fields[key];
      if (value instanceof Parameter) params.push([key, value]);
      else if (value instanceof Module) modules.push([key, value]);
      else if (typeof value === 'object' && value !== null && !(value instanceof Tensor)) {
        const error = unregisteredField(op, this.constructor.name, key, value);
        if (error !== null) throw error;
      }
    }
    return { params, modules };
  }

  /** This module's own buffers that hold a tensor, in registration order. */
  #ownBuffers(persistentOnly: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const fields = this as unknown as Fields;
    for (const [name, persistent] of this.#buffers) {
      const value = fields[name];
      if (value === null || value === undefined || (persistentOnly && !persistent)) continue;
      if (!(value instanceof Tensor)) {
        throw new ValueError(
          `${this.constructor.name}: buffer '${name}' holds a ${typeof value}, not a Tensor`,
        );
      }
      out.push([name, value]);
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
    return this.#ownMembers(op).modules.filter(([, m]) => !seen.has(m) && seen.add(m));
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
      p.grad = setToNone ? null : zerosLike(p.grad);
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
   * snapshot that later training does not change.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [key, t] of this.#stateEntries('stateDict')) out[key] = t.detach();
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
      copies.push([target, source]);
    }
    noGrad(() => {
      for (const [target, source] of copies) {
        // A contiguous copy first, so a source that aliases the target is harmless.
        writeInPlace('loadStateDict', target, source.clone());
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
