import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FormatError, tensor, ValueError } from '@tsgrad/core';
import {
  type IdxArray,
  type IdxDType,
  idxToTensor,
  mnistDataDir,
  parseIdxHeader,
  readIdx,
  readIdxFile,
  writeIdx,
} from '@tsgrad/datasets';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tsgrad-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sample values per dtype, extremes included. */
const SAMPLES: Record<IdxDType, number[]> = {
  uint8: [0, 1, 127, 128, 254, 255],
  int8: [-128, -1, 0, 1, 126, 127],
  int16: [-32768, -257, -1, 0, 258, 32767],
  int32: [-2147483648, -65537, -1, 0, 16909060, 2147483647],
  float32: [-0, 1.5, -3.25e-20, 3.4028234663852886e38, Number.POSITIVE_INFINITY, Number.NaN],
  float64: [-0, Math.PI, -1e-300, Number.MAX_VALUE, Number.NEGATIVE_INFINITY, Number.NaN],
};

const CTORS = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

function makeArray(dtype: IdxDType, shape: number[]): IdxArray {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new CTORS[dtype](size);
  const samples = SAMPLES[dtype];
  for (let i = 0; i < size; i++) data[i] = samples[i % samples.length]!;
  return { dtype, shape, data };
}

const SHAPES = [[6], [2, 3], [3, 1, 4], [1, 2, 1, 3, 2]];

describe('IDX round trip through files', () => {
  for (const dtype of Object.keys(CTORS) as IdxDType[]) {
    for (const shape of SHAPES) {
      for (const gzip of [false, true]) {
        it(`${dtype} ${JSON.stringify(shape)}${gzip ? ' gzipped' : ''} reads back what was written`, () => {
          const original = makeArray(dtype, shape);
          const path = join(dir, `${dtype}-${shape.join('x')}${gzip ? '.gz' : ''}`);
          writeFileSync(path, writeIdx(original, { gzip }));
          const back = readIdxFile(path);
          expect(back.dtype).toBe(dtype);
          expect(back.shape).toEqual(shape);
          expect(back.data).toBeInstanceOf(CTORS[dtype]);
          // Object.is semantics: NaN equals NaN and -0 differs from 0.
          expect(Array.from(back.data)).toEqual(Array.from(original.data));
        });
      }
    }
  }
});

describe('readIdx decodes the byte layout of the format', () => {
  it('reads big-endian dims and int16 elements', () => {
    const bytes = new Uint8Array([0, 0, 0x0b, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
    const { dtype, shape, data } = readIdx(bytes);
    expect(dtype).toBe('int16');
    expect(shape).toEqual([1, 2]);
    expect(Array.from(data)).toEqual([258, -2]);
  });

  it('reads big-endian float32 and float64 elements', () => {
    const f32 = readIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0x80, 0, 0]));
    expect(Array.from(f32.data)).toEqual([1]);
    const f64 = readIdx(new Uint8Array([0, 0, 0x0e, 1, 0, 0, 0, 1, 0xc0, 0, 0, 0, 0, 0, 0, 0]));
    expect(Array.from(f64.data)).toEqual([-2]);
  });

  it('reads signed bytes as int8', () => {
    const { data } = readIdx(new Uint8Array([0, 0, 0x09, 1, 0, 0, 0, 3, 0x80, 0xff, 0x7f]));
    expect(data).toBeInstanceOf(Int8Array);
    expect(Array.from(data)).toEqual([-128, -1, 127]);
  });

  it('accepts zero-sized dims', () => {
    const { shape, data } = readIdx(new Uint8Array([0, 0, 0x08, 2, 0, 0, 0, 0, 0, 0, 0, 5]));
    expect(shape).toEqual([0, 5]);
    expect(data.length).toBe(0);
  });

  it('returns data that does not share memory with the input', () => {
    const bytes = writeIdx(makeArray('uint8', [4]));
    const { data } = readIdx(bytes);
    bytes[8] = 99;
    expect(data[0]).toBe(0);
  });

  it('writes a tensor (a transposed view) in row-major order', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]).transpose(0, 1);
    const back = readIdx(writeIdx(t));
    expect(back.dtype).toBe('float32');
    expect(back.shape).toEqual([3, 2]);
    expect(Array.from(back.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('idxToTensor widens integer types to int32 and keeps float types', () => {
    const u8 = idxToTensor(makeArray('uint8', [2, 3]));
    expect(u8.dtype).toBe('int32');
    expect(u8.shape).toEqual([2, 3]);
    expect(u8.toFlatArray()).toEqual(SAMPLES.uint8);
    expect(idxToTensor(makeArray('float64', [6])).dtype).toBe('float64');
  });
});

describe('readIdx rejects malformed files with FormatError', () => {
  const header = (type: number, dims: number[]): number[] => {
    const out = [0, 0, type, dims.length];
    for (const d of dims) out.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
    return out;
  };

  it('names the data length and the expected size of a truncated file', () => {
    const bytes = new Uint8Array([...header(0x08, [1000, 28, 28]), ...new Uint8Array(1000)]);
    expect(() => readIdx(bytes)).toThrow(FormatError);
    expect(() => readIdx(bytes)).toThrow(
      'readIdx: file has 1000 bytes of data, expected 784000 for shape [1000,28,28] of uint8',
    );
  });

  it('rejects a file with trailing bytes', () => {
    const bytes = new Uint8Array([...header(0x0c, [2]), ...new Uint8Array(9)]);
    expect(() => readIdx(bytes)).toThrow(/file has 9 bytes of data, expected 8 for shape \[2\] of int32/);
  });

  it('rejects a bad magic number', () => {
    expect(() => readIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]))).toThrow(/bad magic number/);
    expect(() => readIdx(new Uint8Array([0, 7, 8, 1, 0, 0, 0, 0]))).toThrow(FormatError);
  });

  it('rejects an unknown type code', () => {
    expect(() => readIdx(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]))).toThrow(/unknown IDX type code 0x0a/);
  });

  it('rejects rank 0 and ranks above 32', () => {
    expect(() => readIdx(new Uint8Array([0, 0, 8, 0]))).toThrow(/rank 0 is out of range/);
    expect(() => readIdx(new Uint8Array([0, 0, 8, 200, ...new Uint8Array(800)]))).toThrow(/rank 200/);
  });

  it('rejects files too short for their header', () => {
    expect(() => readIdx(new Uint8Array([]))).toThrow(/too short/);
    expect(() => readIdx(new Uint8Array([0, 0, 8]))).toThrow(/too short/);
    expect(() => readIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]))).toThrow(/16-byte header of a rank-3/);
  });

  it('rejects huge declared dims without allocating them', () => {
    const bytes = new Uint8Array([...header(0x0e, [0xffffffff, 0xffffffff, 0xffffffff]), 1, 2, 3]);
    const expected = (2n ** 32n - 1n) ** 3n * 8n;
    expect(() => readIdx(bytes)).toThrow(`file has 3 bytes of data, expected ${expected} for shape`);
  });

  it('rejects corrupt and truncated gzip data', () => {
    const gz = writeIdx(makeArray('int32', [50]), { gzip: true });
    expect(() => readIdx(gz.subarray(0, gz.length - 5))).toThrow(FormatError);
    const bad = gz.slice();
    bad[gz.length - 6] = (bad[gz.length - 6]! ^ 0xff) & 0xff; // inside the CRC32
    expect(() => readIdx(bad)).toThrow(/corrupt gzip data/);
  });

  it('caps the inflated size of gzip data (decompression bombs)', () => {
    const bomb = gzipSync(new Uint8Array(4 << 20));
    expect(() => readIdx(bomb, { maxBytes: 1 << 20 })).toThrow(/inflates to more than 1048576 bytes/);
  });

  it('gzipped garbage that is not IDX is a FormatError', () => {
    expect(() => readIdx(gzipSync(new Uint8Array([1, 2, 3, 4, 5])))).toThrow(/bad magic number/);
  });

  it('names the file in the messages of readIdxFile', () => {
    const path = join(dir, 'short-file');
    writeFileSync(path, new Uint8Array([0, 0, 8, 1, 0, 0, 0, 4, 1]));
    expect(() => readIdxFile(path)).toThrow(`readIdx(${path}): file has 1 bytes of data, expected 4`);
  });

  it('parseIdxHeader checks a header against a total length', () => {
    const head = new Uint8Array(header(0x08, [10, 28, 28]));
    expect(parseIdxHeader(head, 'x', 16 + 7840).shape).toEqual([10, 28, 28]);
    expect(() => parseIdxHeader(head, 'x', 16 + 7839)).toThrow(FormatError);
  });

  it('reads the uncompressed bundled MNIST labels file', () => {
    const bytes = readFileSync(join(mnistDataDir(), 't10k-labels-idx1-ubyte'));
    const { dtype, shape, data } = readIdx(bytes);
    expect(dtype).toBe('uint8');
    expect(shape).toEqual([10000]);
    expect(data[0]).toBe(7);
  });
});

describe('writeIdx checks its argument', () => {
  it('rejects data of the wrong typed array', () => {
    expect(() => writeIdx({ dtype: 'int16', shape: [2], data: new Int32Array(2) })).toThrow(ValueError);
  });

  it('rejects data of the wrong length', () => {
    expect(() => writeIdx({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(3) })).toThrow(
      'writeIdx: shape [2,2] needs 4 elements, got 3',
    );
  });

  it('rejects dims that IDX cannot hold', () => {
    expect(() => writeIdx({ dtype: 'uint8', shape: [-1], data: new Uint8Array(0) })).toThrow(ValueError);
    expect(() => writeIdx({ dtype: 'uint8', shape: new Array(33).fill(1), data: new Uint8Array(1) })).toThrow(
      ValueError,
    );
  });
});
