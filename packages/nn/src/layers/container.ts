/** Containers of modules: `Sequential` (a chain) and `ModuleList` (a list), as in PyTorch. */
import { fmtShape, Tensor, ValueError } from '@tsgrad/core';
import { Module } from '../module.js';

/** Modules registered under the names '0', '1', …: indexable (`seq[0]`), iterable, appendable. */
abstract class IndexedModules extends Module implements Iterable<Module> {
  readonly [index: number]: Module;
  #count = 0;

  constructor(modules: readonly Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Number of modules (a module added twice counts twice). */
  get length(): number {
    return this.#count;
  }

  /** Adds a module at the end and returns this. */
  append(module: Module): this {
    if (!(module instanceof Module)) {
      throw new ValueError(`${this.constructor.name}.append: expected a Module, got ${typeof module}`);
    }
    this.registerModule(String(this.#count), module);
    this.#count++;
    return this;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    const i = index < 0 ? index + this.#count : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.#count) {
      throw new ValueError(
        `${this.constructor.name}: index ${index} is out of range for ${this.#count} modules`,
      );
    }
    return this[i]!;
  }

  *[Symbol.iterator](): Iterator<Module> {
    for (let i = 0; i < this.#count; i++) yield this[i]!;
  }
}

/**
 * Applies its modules in order: `new Sequential(new Linear(784, 50), new Sigmoid(), …)`. Children
 * are named '0', '1', …, so parameters are `0.weight`, `0.bias`, `2.weight`, ….
 */
export class Sequential extends IndexedModules {
  constructor(...modules: Module[]) {
    super(modules);
  }

  override forward(x: Tensor): Tensor {
    let out = x;
    for (let i = 0; i < this.length; i++) {
      const m = this[i]! as unknown as { forward(input: Tensor): unknown };
      const y = m.forward(out);
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

/** A list of modules whose parameters are registered (`list.0.weight`, …); it has no forward of its own. */
export class ModuleList extends IndexedModules {
  constructor(modules: readonly Module[] = []) {
    super(modules);
  }

  override forward(): never {
    throw new ValueError('ModuleList: has no forward; iterate over its modules instead');
  }
}
