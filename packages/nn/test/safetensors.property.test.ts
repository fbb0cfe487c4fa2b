import { FormatError, Tensor, type TypedArray } from '@tsgrad/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../src/safetensors.js';

type DTypeName = 'float32' | 'float64' | 'int32';

/** A tensor of random shape (0-d and empty included) whose elements are arbitrary bit patterns. */
const tensorArb: fc.Arbitrary<Tensor> = fc
  .record({
    dtype: fc.constantFrom<DTypeName>('float32', 'float64', 'int32'),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  })
  .chain(({ dtype, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const itemSize = dtype === 'float64' ? 8 : 4;
    return fc.uint8Array({ minLength: size * itemSize, maxLength: size * itemSize }).map((bytes) => {
      const buffer = new Uint8Array(bytes).buffer;
      const data: TypedArray =
        dtype === 'float64'
          ? new Float64Array(buffer)
          : dtype === 'float32'
            ? new Float32Array(buffer)
            : new Int32Array(buffer);
      return new Tensor(data, shape);
    });
  });
const dictArb = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__metadata__'),
  tensorArb,
  {
    maxKeys: 4,
  },
);
const metadataArb = fc.option(
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
  {
    nil: undefined,
  },
);
/** A valid file with at least one byte of tensor data. */
const fileArb = fc
  .tuple(dictArb, metadataArb)
  .map(([dict, metadata]) => encodeSafetensors(dict, metadata))
  .filter((bytes) => bytes.length > 8 + headerLength(bytes));

/** Bytes per element of each safetensors dtype a file may use. */
const FILE_ITEM_BYTES: Record<string, number> = {
  F64: 8,
  I64: 8,
  F32: 4,
  I32: 4,
  F16: 2,
  BF16: 2,
  U8: 1,
  BOOL: 1,
};

function headerLength(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
}
const rawBytes = (t: Tensor): number[] => {
  const a = t.toTypedArray();
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
};
/** Decodes, and fails the property unless the result is success or a FormatError. */
function decodeOrFormatError(bytes: Uint8Array): ReturnType<typeof decodeSafetensors> | FormatError {
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    if (!(e instanceof FormatError)) throw new Error(`expected FormatError, got ${String(e)}`);
    return e;
  }
}

describe('safetensors properties', () => {
  it('encode then decode returns every tensor bit for bit, and the metadata', () => {
    fc.assert(
      fc.property(dictArb, metadataArb, (dict, metadata) => {
        const { tensors, metadata: back } = decodeSafetensors(encodeSafetensors(dict, metadata));
        expect(back).toEqual(metadata ?? {});
        expect(Object.keys(tensors).sort()).toEqual(Object.keys(dict).sort());
        for (const [name, t] of Object.entries(dict)) {
          expect(tensors[name]!.dtype).toBe(t.dtype);
          expect(tensors[name]!.shape).toEqual(t.shape);
          expect(rawBytes(tensors[name]!)).toEqual(rawBytes(t));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('every truncation of a valid file throws FormatError', () => {
    fc.assert(
      fc.property(
        fileArb.chain((bytes) => fc.tuple(fc.constant(bytes), fc.integer({ min: 0, max: bytes.length - 1 }))),
        ([bytes, cut]) => {
          expect(() => decodeSafetensors(bytes.subarray(0, cut))).toThrow(FormatError);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('appending bytes to a valid file throws FormatError (the data must be covered exactly)', () => {
    fc.assert(
      fc.property(fileArb, fc.uint8Array({ minLength: 1, maxLength: 16 }), (bytes, extra) => {
        const longer = new Uint8Array(bytes.length + extra.length);
        longer.set(bytes);
        longer.set(extra, bytes.length);
        expect(() => decodeSafetensors(longer)).toThrow(FormatError);
      }),
      { numRuns: 40 },
    );
  });

  it('any header length but the true one throws FormatError', () => {
    fc.assert(
      fc.property(fileArb, fc.nat(), fc.oneof(fc.constant(0), fc.nat()), (bytes, lo, hi) => {
        fc.pre(lo !== headerLength(bytes) || hi !== 0);
        const copy = bytes.slice();
        const view = new DataView(copy.buffer);
        view.setUint32(0, lo, true);
        view.setUint32(4, hi, true);
        expect(() => decodeSafetensors(copy)).toThrow(FormatError);
      }),
      { numRuns: 100 },
    );
  });

  it('byte corruptions in the length or header either decode or throw FormatError, never anything else', () => {
    const corruption = fileArb.chain((bytes) =>
      fc.tuple(
        fc.constant(bytes),
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 8 + headerLength(bytes) - 1 }),
            fc.integer({ min: 0, max: 255 }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
      ),
    );
    fc.assert(
      fc.property(corruption, ([bytes, flips]) => {
        const copy = bytes.slice();
        for (const [at, value] of flips) copy[at] = value;
        decodeOrFormatError(copy);
      }),
      { numRuns: 200 },
    );
  });

  it('corruptions confined to the data section decode, with the same names, dtypes and shapes', () => {
    const corruption = fileArb.chain((bytes) =>
      fc.tuple(
        fc.constant(bytes),
        fc.array(
          fc.tuple(
            fc.integer({ min: 8 + headerLength(bytes), max: bytes.length - 1 }),
            fc.integer({ min: 0, max: 255 }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
      ),
    );
    fc.assert(
      fc.property(corruption, ([bytes, flips]) => {
        const copy = bytes.slice();
        for (const [at, value] of flips) copy[at] = value;
        const before = decodeSafetensors(bytes).tensors;
        const after = decodeSafetensors(copy).tensors;
        expect(Object.keys(after)).toEqual(Object.keys(before));
        for (const name of Object.keys(before)) {
          expect(after[name]!.dtype).toBe(before[name]!.dtype);
          expect(after[name]!.shape).toEqual(before[name]!.shape);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('headers with random entries either decode consistently or throw FormatError', () => {
    // Structured fuzzing reaches the semantic checks (dtypes, shapes, offsets) that byte flips rarely do.
    const dim = fc.oneof(
      fc.integer({ min: -2, max: 4 }),
      fc.constant(1.5),
      fc.constant(2 ** 53),
      fc.constant('2'),
    );
    const offset = fc.oneof(fc.integer({ min: -4, max: 40 }), fc.constant(2 ** 60), fc.constant(0.5));
    const entry = fc.record(
      {
        dtype: fc.constantFrom('F32', 'F64', 'I32', 'F16', 'BF16', 'U8', 'I64', 'BOOL', 'X1', 'f32', ''),
        shape: fc.oneof(fc.array(dim, { maxLength: 3 }), fc.constant(null)),
        data_offsets: fc.oneof(fc.tuple(offset, offset), fc.array(offset, { maxLength: 3 })),
      },
      { requiredKeys: [] },
    );
    const randomHeaderArb = fc.dictionary(
      fc.constantFrom('a', 'b', 'c', '__metadata__'),
      fc.oneof(entry, fc.jsonValue()),
      {
        maxKeys: 3,
      },
    );
    const randomCase = fc.record({
      header: randomHeaderArb,
      data: fc.integer({ min: 0, max: 40 }).map((n) => new Uint8Array(n)),
    });
    // Well-formed entries laid out back to back over random data bytes, so that decoding succeeds
    // often enough for the agreement checks below to be exercised (random headers rarely decode).
    const wellFormed = fc.record({
      dtype: fc.constantFrom('F32', 'F64', 'I32', 'F16', 'BF16', 'U8', 'I64'),
      shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
    });
    const consistentCase = fc
      .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c'), wellFormed), {
        minLength: 1,
        maxLength: 3,
        selector: ([name]) => name,
      })
      .chain((entries) => {
        const header: Record<string, unknown> = {};
        let offset = 0;
        for (const [name, { dtype, shape }] of entries) {
          const length = shape.reduce((a, b) => a * b, 1) * FILE_ITEM_BYTES[dtype]!;
          header[name] = { dtype, shape, data_offsets: [offset, offset + length] };
          offset += length;
        }
        return fc.record({
          header: fc.constant(header),
          data: fc.uint8Array({ minLength: offset, maxLength: offset }),
        });
      });
    let decodedWithData = 0;
    fc.assert(
      fc.property(fc.oneof(randomCase, consistentCase), ({ header, data }) => {
        const dataLength = data.length;
        const json = new TextEncoder().encode(JSON.stringify(header));
        const bytes = new Uint8Array(8 + json.length + dataLength);
        new DataView(bytes.buffer).setUint32(0, json.length, true);
        bytes.set(json, 8);
        bytes.set(data, 8 + json.length);
        const result = decodeOrFormatError(bytes);
        if (result instanceof FormatError) return;
        // What decoded must agree with its header entry: the shape, and a byte range that lies in
        // the data section and holds exactly size × (bytes per element of the file's dtype) bytes.
        const start = 8 + json.length;
        let covered = 0;
        for (const [name, t] of Object.entries(result.tensors)) {
          const e = (header as Record<string, unknown>)[name] as {
            dtype: string;
            shape: number[];
            data_offsets: [number, number];
          };
          const [begin, end] = e.data_offsets;
          expect(t.shape).toEqual(e.shape);
          expect(end - begin).toBe(t.size * FILE_ITEM_BYTES[e.dtype]!);
          expect(begin).toBeGreaterThanOrEqual(0);
          expect(end).toBeLessThanOrEqual(dataLength);
          covered += end - begin;
          if (e.dtype === 'F32' || e.dtype === 'F64' || e.dtype === 'I32') {
            expect(rawBytes(t)).toEqual(Array.from(bytes.subarray(start + begin, start + end)));
          }
        }
        // The entries cover the data section exactly, as a valid file must.
        expect(covered).toBe(dataLength);
        if (covered > 0) decodedWithData++;
      }),
      { numRuns: 300 },
    );
    expect(decodedWithData).toBeGreaterThan(20);
  });

  it('random bytes never crash the decoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodeOrFormatError(bytes);
      }),
      { numRuns: 100 },
    );
  });
});
