import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError, type Tensor, tensor, ValueError } from '@tsgrad/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
} from '../src/safetensors.js';

/** Builds a safetensors file by hand: the header as JSON (or raw text), padded to 8, then `data`. */
function makeFile(header: object | string, data: Uint8Array | number[] = []): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + data.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setUint32(0, n, true);
  out.set(json, 8);
  out.set(data, 8 + n);
  return out;
}
const u16 = (values: number[]): Uint8Array => {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setUint16(2 * i, v, true);
  return out;
};
/** The raw bytes of a tensor's elements, for bit-exact comparison. */
const bits = (t: Tensor): Uint8Array => {
  const a = t.toTypedArray();
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
};
const headerOf = (
  bytes: Uint8Array,
): Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> => {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
};

function specialFloat32(): Tensor {
  const raw = new Uint32Array([
    0x7fc00000, 0x7f800001, 0xffc12345, 0x7f800000, 0xff800000, 0x80000000, 0x00000001, 0x3f800000,
  ]);
  return tensor(new Float32Array(raw.buffer), { shape: [2, 4] });
}
function specialFloat64(): Tensor {
  const raw = new Uint32Array([
    0, 0x7ff80000, 1, 0x7ff00000, 0, 0xfff00000, 0, 0x80000000, 1, 0, 0x12345678, 0x7ff12345,
  ]);
  return tensor(new Float64Array(raw.buffer), { shape: [6] });
}

describe('encode then decode', () => {
  it('is bit-exact for NaN payloads, ±Inf, −0, subnormals, float64, int32, 0-d and empty tensors', () => {
    const dict: Record<string, Tensor> = {
      'layer.weight': specialFloat32(),
      'layer.bias': specialFloat64(),
      labels: tensor(new Int32Array([-2147483648, 2147483647, 0, -1]), { shape: [2, 2] }),
      scale: tensor(3.5, { dtype: 'float64' }),
      nothing: tensor(new Float32Array(0), { shape: [0, 3] }),
      count: tensor(7, { dtype: 'int32' }),
    };
    const { tensors, metadata } = decodeSafetensors(
      encodeSafetensors(dict, { format: 'pt', note: 'héllo ✓' }),
    );
    expect(metadata).toEqual({ format: 'pt', note: 'héllo ✓' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(dict).sort());
    for (const [name, t] of Object.entries(dict)) {
      const back = tensors[name]!;
      expect(back.dtype, name).toBe(t.dtype);
      expect(back.shape, name).toEqual(t.shape);
      expect(bits(back), name).toEqual(bits(t));
    }
  });

  it('writes non-contiguous views in logical order', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]).t();
    const back = decodeSafetensors(encodeSafetensors({ t })).tensors.t!;
    expect(back.toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it('returns empty metadata and no tensors for an empty dict', () => {
    expect(decodeSafetensors(encodeSafetensors({}))).toEqual({ tensors: {}, metadata: {} });
  });

  it('keeps a tensor named __proto__ as an ordinary key', () => {
    const dict = Object.fromEntries([['__proto__', tensor([1, 2])]]) as Record<string, Tensor>;
    const { tensors } = decodeSafetensors(encodeSafetensors(dict));
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
  });

  it('lays out F64, then F32, then I32, each by name, header padded to 8, data aligned', () => {
    const bytes = encodeSafetensors(
      {
        b32: tensor([1]),
        i: tensor([1], { dtype: 'int32' }),
        a32: tensor([1, 2, 3]),
        d: tensor([1], { dtype: 'float64' }),
      },
      { k: 'v' },
    );
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const header = headerOf(bytes);
    expect(Object.keys(header)).toEqual(['__metadata__', 'd', 'a32', 'b32', 'i']);
    expect(header.d).toEqual({ dtype: 'F64', shape: [1], data_offsets: [0, 8] });
    expect(header.a32!.data_offsets).toEqual([8, 20]);
    expect(header.b32!.data_offsets).toEqual([20, 24]);
    expect(header.i).toEqual({ dtype: 'I32', shape: [1], data_offsets: [24, 28] });
    expect(bytes.length).toBe(8 + n + 28);
  });

  it('decoded tensors own their data: no aliasing of the file bytes, any byte offset', () => {
    const file = encodeSafetensors({ x: tensor([1, 2, 3], { dtype: 'float64' }) });
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const view = shifted.subarray(3);
    const x = decodeSafetensors(view).tensors.x!;
    view.fill(0xff, view.length - 24);
    expect(x.toFlatArray()).toEqual([1, 2, 3]);
  });

  it('rejects a non-string metadata value and the reserved name', () => {
    expect(() => encodeSafetensors({}, { a: 1 } as unknown as Record<string, string>)).toThrow(ValueError);
    expect(() => encodeSafetensors({ __metadata__: tensor([1]) })).toThrow(/reserved/);
  });
});

describe('save and load files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgrad-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through a file', () => {
    const path = join(dir, 'model.safetensors');
    const w = specialFloat32();
    saveSafetensors({ w, b: specialFloat64() }, path, { epoch: '3' });
    const { tensors, metadata } = loadSafetensors(path);
    expect(metadata).toEqual({ epoch: '3' });
    expect(bits(tensors.w!)).toEqual(bits(w));
    expect(tensors.b!.dtype).toBe('float64');
    // Node's Buffer.slice shares memory; the decoded tensors must not hold the whole file.
    expect(tensors.w!.data.buffer.byteLength).toBe(8 * 4);
    expect(tensors.b!.data.buffer.byteLength).toBe(6 * 8);
  });

  it('a missing file is a ValueError naming the path, a malformed one a FormatError naming it', () => {
    const missing = join(dir, 'missing.safetensors');
    expect(() => loadSafetensors(missing)).toThrow(ValueError);
    expect(() => loadSafetensors(missing)).toThrow(`loadSafetensors: cannot read '${missing}'`);
    const broken = join(dir, 'broken.safetensors');
    writeFileSync(broken, new Uint8Array([1, 2, 3]));
    expect(() => loadSafetensors(broken)).toThrow(FormatError);
    expect(() => loadSafetensors(broken)).toThrow(`(in '${broken}')`);
  });
});

describe('reading other dtypes', () => {
  it('converts F16 to float32: normals, subnormals, ±0, ±Inf, NaN', () => {
    const halves = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x3555, 0x0000];
    const file = makeFile({ h: { dtype: 'F16', shape: [11], data_offsets: [0, 22] } }, u16(halves));
    const h = decodeSafetensors(file).tensors.h!;
    expect(h.dtype).toBe('float32');
    expect(h.toFlatArray()).toEqual([
      1,
      -2,
      0.5,
      65504,
      2 ** -24,
      1023 * 2 ** -24,
      -0,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0.333251953125,
      0,
    ]);
    expect(Object.is(h.toFlatArray()[6], -0)).toBe(true);
    const nan = decodeSafetensors(
      makeFile({ n: { dtype: 'F16', shape: [], data_offsets: [0, 2] } }, u16([0x7e00])),
    );
    expect(nan.tensors.n!.item()).toBeNaN();
  });

  it('converts BF16 to float32 by widening the bits', () => {
    const file = makeFile(
      { b: { dtype: 'BF16', shape: [2, 3], data_offsets: [0, 12] } },
      u16([0x3f80, 0xc040, 0x4049, 0x7f80, 0x0001, 0x8000]),
    );
    const b = decodeSafetensors(file).tensors.b!;
    expect(b.shape).toEqual([2, 3]);
    expect(b.toFlatArray()).toEqual([1, -3, 3.140625, Number.POSITIVE_INFINITY, 2 ** -133, -0]);
  });

  it('reads U8, I8, I16 and I64 into int32', () => {
    const i64 = new Uint8Array(16);
    const dv = new DataView(i64.buffer);
    dv.setBigInt64(0, -5n, true);
    dv.setBigInt64(8, 2147483647n, true);
    const data = new Uint8Array([200, 0xff, 0x34, 0x12, 0xfe, 0xff, ...i64]);
    const file = makeFile(
      {
        u: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
        s: { dtype: 'I8', shape: [1], data_offsets: [1, 2] },
        h: { dtype: 'I16', shape: [2], data_offsets: [2, 6] },
        l: { dtype: 'I64', shape: [2], data_offsets: [6, 22] },
      },
      data,
    );
    const { tensors } = decodeSafetensors(file);
    expect(tensors.u!.toFlatArray()).toEqual([200]);
    expect(tensors.s!.toFlatArray()).toEqual([-1]);
    expect(tensors.h!.toFlatArray()).toEqual([0x1234, -2]);
    expect(tensors.l!.toFlatArray()).toEqual([-5, 2147483647]);
    expect(tensors.l!.dtype).toBe('int32');
  });

  it('rejects an I64 value that does not fit in int32, naming the tensor', () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setBigInt64(0, 2n ** 40n, true);
    const file = makeFile({ ids: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, data);
    expect(() => decodeSafetensors(file)).toThrow(FormatError);
    expect(() => decodeSafetensors(file)).toThrow(/'ids'.*1099511627776.*does not fit in int32/);
  });

  it('reads BOOL as a bool tensor (non-zero bytes are true) and writes it back as BOOL', () => {
    const file = makeFile(
      { m: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } },
      new Uint8Array([1, 0, 2]),
    );
    const m = decodeSafetensors(file).tensors.m!;
    expect(m.dtype).toBe('bool');
    expect(m.toFlatArray()).toEqual([1, 0, 1]);
    const again = decodeSafetensors(encodeSafetensors({ m }));
    expect(again.tensors.m!.dtype).toBe('bool');
    expect(again.tensors.m!.toFlatArray()).toEqual([1, 0, 1]);
  });

  it('rejects U64 and F8 as unsupported, naming the dtype', () => {
    for (const [dtype, size] of [['F8_E4M3', 1]] as const) {
      const file = makeFile({ t: { dtype, shape: [1], data_offsets: [0, size] } }, new Uint8Array(size));
      expect(() => decodeSafetensors(file)).toThrow(new RegExp(`'t': unsupported dtype '${dtype}'`));
    }
  });
});

describe('malformed files end in FormatError naming the problem', () => {
  const good = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const lengthPrefix = (n: number, hi = 0): Uint8Array => {
    const out = new Uint8Array(16).fill(0x20);
    new DataView(out.buffer).setUint32(0, n, true);
    new DataView(out.buffer).setUint32(4, hi, true);
    return out;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array(5), /5 bytes, too short/],
    ['header length past the end', lengthPrefix(9), /header length 9 runs past the end/],
    ['an absurd header length', lengthPrefix(0, 0x10000), /header length 281474976710656 exceeds/],
    ['a zero header length', lengthPrefix(0), /must begin with '\{'/],
    [
      'a header that is not UTF-8',
      makeFile('{"\xff"}').map((b) => (b === 0xc3 ? 0xff : b)),
      /not valid UTF-8/,
    ],
    ['a header that is not JSON', makeFile('{"a": '), /not valid JSON/],
    ['a header that is a JSON array', makeFile('[1, 2]'), /must begin with '\{'/],
    ['an entry that is not an object', makeFile({ x: 3 }), /'x': entry is not an object/],
    [
      'an entry without dtype',
      makeFile({ x: { shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /'x': missing or non-string 'dtype'/,
    ],
    [
      'an entry without shape',
      makeFile({ x: { dtype: 'F32', data_offsets: [0, 8] } }, new Uint8Array(8)),
      /'x': missing or non-array 'shape'/,
    ],
    [
      'an entry without data_offsets',
      makeFile({ x: { dtype: 'F32', shape: [2] } }, new Uint8Array(8)),
      /'x': 'data_offsets' must be/,
    ],
    [
      'an unknown dtype',
      makeFile({ x: { ...good, dtype: 'F33' } }, new Uint8Array(8)),
      /'x': unknown dtype 'F33'/,
    ],
    [
      'an inherited name as dtype',
      makeFile({ x: { ...good, dtype: 'toString' } }, new Uint8Array(8)),
      /unknown dtype 'toString'/,
    ],
    [
      'a negative dim',
      makeFile({ x: { ...good, shape: [-2] } }, new Uint8Array(8)),
      /'x': invalid dimension -2/,
    ],
    [
      'a fractional dim',
      makeFile({ x: { ...good, shape: [1.5] } }, new Uint8Array(8)),
      /'x': invalid dimension 1.5/,
    ],
    [
      'a string dim',
      makeFile({ x: { ...good, shape: ['2'] } }, new Uint8Array(8)),
      /'x': invalid dimension "2"/,
    ],
    [
      'offsets past the data',
      makeFile({ x: { ...good, data_offsets: [0, 8] } }, new Uint8Array(4)),
      /'x': data_offsets \[0, 8\] run past the 4-byte/,
    ],
    [
      'offsets reversed',
      makeFile({ x: { ...good, data_offsets: [8, 0] } }, new Uint8Array(8)),
      /'x': invalid data_offsets \[8, 0\]/,
    ],
    [
      'negative offsets',
      makeFile({ x: { ...good, data_offsets: [-8, 0] } }, new Uint8Array(8)),
      /'x': invalid data_offsets/,
    ],
    [
      'overlapping tensors',
      makeFile({ a: good, b: { ...good, data_offsets: [4, 12] } }, new Uint8Array(12)),
      /'b' overlaps the tensor before it/,
    ],
    [
      'a hole in the data',
      makeFile({ a: { ...good, data_offsets: [4, 12] } }, new Uint8Array(12)),
      /bytes 0..4 before tensor 'a' belong to no tensor/,
    ],
    [
      'trailing bytes after the data',
      makeFile({ a: good }, new Uint8Array(12)),
      /cover 8 bytes of data, but the file has 12/,
    ],
    [
      'a shape that does not match the bytes',
      makeFile({ a: { ...good, shape: [3] } }, new Uint8Array(8)),
      /'a': shape \[3\] of F32 needs 12 bytes, data_offsets give 8/,
    ],
    [
      'a huge shape on a tiny file',
      makeFile({ a: { ...good, shape: [2 ** 40, 2 ** 12] } }, new Uint8Array(8)),
      /'a': shape \[1099511627776,4096\] of F32 needs/,
    ],
    ['metadata that is not an object', makeFile({ __metadata__: 'x' }), /__metadata__ is not an object/],
    [
      'a metadata value that is not a string',
      makeFile({ __metadata__: { epoch: 3 } }),
      /__metadata__ 'epoch' is not a string/,
    ],
  ];

  it.each(cases)('%s', (_name, bytes, message) => {
    expect(() => decodeSafetensors(bytes)).toThrow(FormatError);
    expect(() => decodeSafetensors(bytes)).toThrow(message);
  });

  it('a hand-made valid file decodes (the fixture helper itself is sound)', () => {
    const data = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    expect(decodeSafetensors(makeFile({ a: good }, data)).tensors.a!.toFlatArray()).toEqual([1.5, -2]);
  });
});
