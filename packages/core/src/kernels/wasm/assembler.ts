/**
 * A tiny WebAssembly binary writer: just enough of the format (types, functions, one exported
 * memory, exports, code) and of the instruction set (integer locals and arithmetic, blocks and
 * loops, SIMD f32x4 loads, stores and arithmetic) to emit the matmul kernel from TypeScript, so
 * that nothing has to be downloaded or compiled at install time.
 */

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** Builds the instruction bytes of one function body. */
export class Code {
  readonly bytes: number[] = [];

  private op(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  private simd(opcode: number, ...rest: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...rest);
  }

  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(n: number): this {
    return this.op(0x41, ...sleb(n));
  }
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  geU(): this {
    return this.op(0x4f);
  }
  ltU(): this {
    return this.op(0x49);
  }
  /** f32.load with a constant byte offset (alignment hint 4 bytes). */
  f32Load(offset = 0): this {
    return this.op(0x2a, 2, ...uleb(offset));
  }
  /** f32.store with a constant byte offset (alignment hint 4 bytes). */
  f32Store(offset = 0): this {
    return this.op(0x38, 2, ...uleb(offset));
  }
  f32Add(): this {
    return this.op(0x92);
  }
  eqz(): this {
    return this.op(0x45);
  }
  /** `if` with no result, on the i32 popped from the stack. */
  if_(): this {
    return this.op(0x04, 0x40);
  }
  else_(): this {
    return this.op(0x05);
  }
  /** `block` with no result; `br 0` inside jumps to its end. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  /** `loop` with no result; `br 0` inside jumps back to its start. */
  loop(): this {
    return this.op(0x03, 0x40);
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  end(): this {
    return this.op(0x0b);
  }
  /** v128.load with a constant byte offset (alignment hint 16 bytes). */
  v128Load(offset = 0): this {
    return this.simd(0x00, 4, ...uleb(offset));
  }
  /** v128.load32_splat: one f32 from memory into all four lanes. */
  load32Splat(offset = 0): this {
    return this.simd(0x09, 2, ...uleb(offset));
  }
  v128Store(offset = 0): this {
    return this.simd(0x0b, 4, ...uleb(offset));
  }
  /** v128.const of sixteen zero bytes. */
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
}

/** A function: its parameter types, extra locals (type per local) and body. */
export interface FunctionDef {
  name: string;
  params: number[];
  locals: number[];
  body: Code;
}

/** How the module gets its memory: its own, or imported as `env.memory` (shared between threads when `shared`). */
export interface MemoryDef {
  /** Import the memory as `env.memory` instead of defining it. */
  imported?: boolean;
  /** A shared memory (WebAssembly threads); needs `imported` and `maxPages`. */
  shared?: boolean;
  /** Maximum size in pages of 64 KiB (required for a shared memory). */
  maxPages?: number;
}

/**
 * A module with one exported memory (`memory`, at least `minPages` pages of 64 KiB, defined or
 * imported as `env.memory`) and the given exported functions.
 */
export function buildModule(
  functions: readonly FunctionDef[],
  minPages = 1,
  mem: MemoryDef = {},
): Uint8Array {
  const limits =
    mem.maxPages === undefined
      ? [0x00, ...uleb(minPages)]
      : [mem.shared ? 0x03 : 0x01, ...uleb(minPages), ...uleb(mem.maxPages)];
  const types = section(1, vec(functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0])));
  const imports = mem.imported ? section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])) : [];
  const funcs = section(3, vec(functions.map((_, i) => uleb(i))));
  const memory = mem.imported ? [] : section(5, vec([limits]));
  const exports = section(
    7,
    vec([[...name('memory'), 0x02, 0], ...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])]),
  );
  const code = section(
    10,
    vec(
      functions.map((f) => {
        const locals = vec(f.locals.map((t) => [1, t]));
        const body = [...locals, ...f.body.bytes, 0x0b];
        return [...uleb(body.length), ...body];
      }),
    ),
  );
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...types,
    ...imports,
    ...funcs,
    ...memory,
    ...exports,
    ...code,
  ]);
}
