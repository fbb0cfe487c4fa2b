/**
 * Containers of modules, as in PyTorch: `Sequential` (a chain), `ModuleList` (a list) and
 * `ModuleDict` (a map by name). Their modules are registered, so their parameters are found.
 */
import { fmtShape, Tensor, ValueError } from '@tsgrad/core';
import { Module } from '../module.js';

/** Modules registered under the names '0', '1', …: indexable (`seq[0]`), iterable, appendable. */
abstract class IndexedModules<M extends Module> extends Module implements Iterable<M> {
  readonly [index: number]: M;
  #count = 0;

  constructor(modules: Iterable<M>) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Number of modules (a module added twice counts twice). */
  get length(): number {
    return this.#count;
  }

  /** Adds a module at the end and returns this. */
  append(module: M): this {
    if (!(module instanceof Module)) {
      throw new ValueError(`${this.constructor.name}.append: expected a Module, got ${typeof module}`);
    }
    this.registerModule(String(this.#count), module);
    this.#count++;
    return this;
  }

  /** Adds each module at the end, in order, and returns this. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    const i = index < 0 ? index + this.#count : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.#count) {
      throw new ValueError(
        `${this.constructor.name}: index ${index} is out of range for ${this.#count} modules`,
      );
    }
    return this[i]!;
  }

  *[Symbol.iterator](): Iterator<M> {
    for (let i = 0; i < this.#count; i++) yield this[i]!;
  }
}

/**
 * Applies its modules in order: `new Sequential(new Linear(784, 50), new Sigmoid(), …)`. Children
 * are named '0', '1', …, so parameters are `0.weight`, `0.bias`, `2.weight`, ….
 *
 * @example
 * const model = new Sequential(new Linear(16, 32), new ReLU(), new Linear(32, 4));
 * const y = model.call(randn([8, 16])); // shape [8, 4]; parameters 0.weight, 0.bias, 2.weight, 2.bias
 */
export class Sequential extends IndexedModules<Module> {
  constructor(...modules: Module[]) {
    super(modules);
  }

  override forward(x: Tensor): Tensor {
    let out = x;
    for (let i = 0; i < this.length; i++) {
      // `call`, so that the hooks of the modules in the chain run (as PyTorch's Sequential).
      const m = this[i]! as unknown as { call(input: Tensor): unknown };
      const y = m.call(out);
      if (!(y instanceof Tensor)) {
        throw new ValueError(
          `Sequential: module (${i}) ${this[i]!.constructor.name} returned ${typeof y} for input ${fmtShape(out.shape)}, not a Tensor`,
        );
      }
      out = y;
    }
    return out;
  }
}

/**
 * A list of modules whose parameters are registered (`list.0.weight`, …), typed by its element:
 * `new ModuleList([new Linear(4, 4), new Linear(4, 2)])` is a `ModuleList<Linear>`, so `list.at(1)`
 * and `for (const layer of list)` give `Linear`s. It has no forward of its own.
 *
 * @example
 * class Mlp extends Module {
 *   layers = new ModuleList([new Linear(4, 8), new Linear(8, 2)]);
 *   forward(x: Tensor): Tensor {
 *     for (const layer of this.layers) x = layer.call(x).relu();
 *     return x;
 *   }
 * }
 */
export class ModuleList<M extends Module = Module> extends IndexedModules<M> {
  constructor(modules: Iterable<M> = []) {
    super(modules);
  }

  override forward(): never {
    throw new ValueError('ModuleList: has no forward; iterate over its modules instead');
  }
}

/**
 * Modules by name, in insertion order, as `torch.nn.ModuleDict`: each is registered under its key,
 * so its parameters are `dict.key.weight`, …. Iterating gives `[key, module]` pairs, as a `Map`
 * does. A key may not clash with a member of the dict (`get`, `training`, …). It has no forward.
 *
 * @example
 * const heads = new ModuleDict({ cls: new Linear(16, 10), box: new Linear(16, 4) });
 * heads.get('cls').call(randn([2, 16])); // [2, 10]
 */
export class ModuleDict<M extends Module = Module> extends Module implements Iterable<[string, M]> {
  readonly #keys: string[] = [];

  /** From a record (in JavaScript's key order: integer-like keys first) or from `[key, module]` pairs. */
  constructor(modules: Readonly<Record<string, M>> | Iterable<readonly [string, M]> = {}) {
    super();
    this.update(modules);
  }

  /** Number of modules. */
  get size(): number {
    return this.#keys.length;
  }

  /** Whether a module is stored under `key`. */
  has(key: string): boolean {
    return this.#keys.includes(key);
  }

  /** The module under `key`; a ValueError naming the known keys if there is none. */
  get(key: string): M {
    if (!this.has(key)) {
      const known = this.#keys.map((k) => `'${k}'`).join(', ');
      throw new ValueError(`ModuleDict.get: no module under key '${key}' (keys: ${known || 'none'})`);
    }
    return (this as unknown as Record<string, M>)[key]!;
  }

  /** Stores `module` under `key` (replacing the module there, which keeps its place) and returns this. */
  set(key: string, module: M): this {
    if (!(module instanceof Module)) {
      throw new ValueError(`ModuleDict.set: expected a Module under '${key}', got ${typeof module}`);
    }
    if (typeof key !== 'string')
      throw new ValueError(`ModuleDict.set: key must be a string, got ${typeof key}`);
    if (!this.has(key) && key in this) {
      throw new ValueError(`ModuleDict.set: key '${key}' clashes with a member of ModuleDict; pick another`);
    }
    this.registerModule(key, module);
    if (!this.has(key)) this.#keys.push(key);
    return this;
  }

  /** Removes the module under `key` and returns it (PyTorch's `pop`); a ValueError if there is none. */
  delete(key: string): M {
    const module = this.get(key);
    this.#keys.splice(this.#keys.indexOf(key), 1);
    delete (this as unknown as Record<string, unknown>)[key];
    return module;
  }

  /** Removes every module. */
  clear(): void {
    for (const key of [...this.#keys]) this.delete(key);
  }

  /** Stores every `[key, module]` of a record, a Map or a list of pairs, in order; returns this. */
  update(modules: Readonly<Record<string, M>> | Iterable<readonly [string, M]>): this {
    const pairs =
      Symbol.iterator in modules
        ? [...(modules as Iterable<readonly [string, M]>)]
        : Object.entries(modules as Readonly<Record<string, M>>);
    for (const [key, module] of pairs) this.set(key, module);
    return this;
  }

  /** The keys, in insertion order. */
  keys(): string[] {
    return [...this.#keys];
  }

  /** The modules, in insertion order. */
  values(): M[] {
    return this.#keys.map((k) => this.get(k));
  }

  /** The `[key, module]` pairs, in insertion order (PyTorch's `items`). */
  entries(): [string, M][] {
    return this.#keys.map((k) => [k, this.get(k)]);
  }

  *[Symbol.iterator](): Iterator<[string, M]> {
    yield* this.entries();
  }

  /** Fields of a subclass first, then the modules in insertion order (not JavaScript's key order). */
  protected override memberNames(): string[] {
    const own = super.memberNames().filter((k) => !this.has(k));
    return [...own, ...this.#keys];
  }

  override forward(): never {
    throw new ValueError('ModuleDict: has no forward; pick its modules by key instead');
  }
}
