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
    const headerArb = fc.dictionary(
      fc.constantFrom('a', 'b', 'c', '__metadata__'),
      fc.oneof(entry, fc.jsonValue()),
      {
        maxKeys: 3,
      },
    );
    fc.assert(
      fc.property(headerArb, fc.integer({ min: 0, max: 40 }), (header, dataLength) => {
        const json = new TextEncoder().encode(JSON.stringify(header));
        const bytes = new Uint8Array(8 + json.length + dataLength);
        new DataView(bytes.buffer).setUint32(0, json.length, true);
        bytes.set(json, 8);
        const result = decodeOrFormatError(bytes);
        if (result instanceof FormatError) return;
        let total = 0;
        for (const t of Object.values(result.tensors)) total += t.size;
        expect(total).toBeLessThanOrEqual(dataLength);
      }),
      { numRuns: 300 },
    );
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
