/**
 * Malformed IDX input, property-based. The laws checked:
 *
 * 1. Every strict prefix of a valid file (raw or gzipped) throws FormatError.
 * 2. A valid raw file with bytes appended throws FormatError.
 * 3. A raw file with one or more bytes overwritten either throws FormatError or returns a
 *    well-formed array (data is the typed array of its dtype, of length product(shape)); no other
 *    exception ever escapes. Overwriting inside the magic bytes always throws.
 * 4. Overwriting bytes of the data region only always decodes, to the same dtype and shape,
 *    and changes only the elements that hold an overwritten byte.
 * 5. The same as 3 for gzipped files and for arbitrary bytes (with or without a gzip magic).
 */
import { FormatError } from '@tsgrad/core';
import { type IdxArray, type IdxDType, readIdx, writeIdx } from '@tsgrad/datasets';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const RUNS = 60;

const CTORS = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

const ITEM_SIZE: Record<IdxDType, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

const element: Record<IdxDType, fc.Arbitrary<number>> = {
  uint8: fc.integer({ min: 0, max: 255 }),
  int8: fc.integer({ min: -128, max: 127 }),
  int16: fc.integer({ min: -32768, max: 32767 }),
  int32: fc.integer({ min: -2147483648, max: 2147483647 }),
  float32: fc.float(),
  float64: fc.double(),
};

/** A valid IDX array: any dtype, rank 1..4, dims 1..4. */
const idxArray: fc.Arbitrary<IdxArray> = fc
  .tuple(
    fc.constantFrom(...(Object.keys(CTORS) as IdxDType[])),
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
  )
  .chain(([dtype, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return fc
      .array(element[dtype], { minLength: size, maxLength: size })
      .map((values) => ({ dtype, shape, data: CTORS[dtype].from(values) }));
  });

/** Decodes, reporting FormatError as null and rethrowing anything else. */
function tryRead(bytes: Uint8Array): IdxArray | null {
  try {
    return readIdx(bytes);
  } catch (err) {
    if (err instanceof FormatError) return null;
    throw err;
  }
}

function expectWellFormed(result: IdxArray): void {
  expect(result.data).toBeInstanceOf(CTORS[result.dtype]);
  expect(result.shape.length).toBeGreaterThanOrEqual(1);
  expect(result.data.length).toBe(result.shape.reduce((a, b) => a * b, 1));
}

/** Changes the bytes at `edits` (position as a fraction of [from, length), delta) in a copy of `bytes`. */
function corrupt(
  bytes: Uint8Array,
  edits: [number, number][],
  from = 0,
): { out: Uint8Array; positions: number[] } {
  const out = bytes.slice();
  const positions: number[] = [];
  for (const [where, delta] of edits) {
    const p = from + Math.floor(where * (bytes.length - from));
    if (positions.includes(p)) continue; // a second edit could undo the first
    out[p] = (out[p]! + delta) & 255; // delta in 1..255: the byte always changes
    positions.push(p);
  }
  return { out, positions };
}

const edits = fc.array(
  fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 255 })),
  {
    minLength: 1,
    maxLength: 4,
  },
);

describe('readIdx on malformed input', () => {
  it('every strict prefix of a valid raw file throws FormatError', () => {
    fc.assert(
      fc.property(idxArray, fc.nat(), (array, cut) => {
        const bytes = writeIdx(array);
        expect(() => readIdx(bytes.subarray(0, cut % bytes.length))).toThrow(FormatError);
      }),
      { numRuns: RUNS },
    );
  });

  it('every strict prefix of a valid gzipped file throws FormatError', () => {
    fc.assert(
      fc.property(idxArray, fc.nat(), (array, cut) => {
        const bytes = writeIdx(array, { gzip: true });
        expect(() => readIdx(bytes.subarray(0, cut % bytes.length))).toThrow(FormatError);
      }),
      { numRuns: RUNS },
    );
  });

  it('a valid raw file with bytes appended throws FormatError', () => {
    fc.assert(
      fc.property(idxArray, fc.uint8Array({ minLength: 1, maxLength: 16 }), (array, extra) => {
        const bytes = writeIdx(array);
        const longer = new Uint8Array(bytes.length + extra.length);
        longer.set(bytes);
        longer.set(extra, bytes.length);
        expect(() => readIdx(longer)).toThrow(FormatError);
      }),
      { numRuns: RUNS },
    );
  });

  it('overwritten bytes anywhere give FormatError or a well-formed array, never another error', () => {
    fc.assert(
      fc.property(idxArray, edits, (array, changes) => {
        const { out, positions } = corrupt(writeIdx(array), changes);
        const result = tryRead(out);
        if (positions.some((p) => p < 2)) expect(result).toBeNull();
        if (result !== null) expectWellFormed(result);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('overwritten data bytes decode to the same dtype and shape, changing only the hit elements', () => {
    fc.assert(
      fc.property(idxArray, edits, (array, changes) => {
        const bytes = writeIdx(array);
        const dataOffset = 4 + 4 * array.shape.length;
        const { out, positions } = corrupt(bytes, changes, dataOffset);
        const result = readIdx(out);
        expect(result.dtype).toBe(array.dtype);
        expect(result.shape).toEqual(array.shape);
        const hit = new Set(positions.map((p) => Math.floor((p - dataOffset) / ITEM_SIZE[array.dtype])));
        for (let i = 0; i < array.data.length; i++) {
          if (hit.has(i)) continue;
          expect(Object.is(result.data[i], array.data[i])).toBe(true);
        }
        // Integer types re-encode byte for byte, so the hit elements hold exactly the new bytes.
        if (!array.dtype.startsWith('float')) expect(writeIdx(result)).toEqual(out);
      }),
      { numRuns: RUNS },
    );
  });

  it('overwritten bytes of a gzipped file give FormatError or a well-formed array', () => {
    fc.assert(
      fc.property(idxArray, edits, (array, changes) => {
        const result = tryRead(corrupt(writeIdx(array, { gzip: true }), changes).out);
        if (result !== null) expectWellFormed(result);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary bytes give FormatError or a well-formed array', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 64 }), (gzipMagic, tail) => {
        const bytes = gzipMagic ? new Uint8Array([0x1f, 0x8b, ...tail]) : tail;
        const result = tryRead(bytes);
        if (result !== null) expectWellFormed(result);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('arbitrary headers followed by a little data give FormatError or a well-formed array', () => {
    // Biased towards plausible headers (zero magic, small ranks) so that the size checks are reached.
    const header = fc.tuple(
      fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x00, 0xff),
      fc.integer({ min: 0, max: 6 }),
      fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 0xffffffff })), {
        maxLength: 6,
      }),
      fc.uint8Array({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(header, ([type, rank, dims, data]) => {
        const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
        bytes[2] = type;
        bytes[3] = rank;
        const view = new DataView(bytes.buffer);
        for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
        bytes.set(data, 4 + 4 * dims.length);
        const result = tryRead(bytes);
        if (result !== null) {
          expectWellFormed(result);
          expect(result.shape.length).toBe(rank);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
