import { describe, expect, it } from 'vitest';
import { readIdx, writeIdx } from '../src/idx.js';

/** Copies `bytes` into a slice of a larger Buffer, so its byteOffset is not 0 (like Node's pooled Buffers). */
function inPooledBuffer(bytes: Uint8Array): Buffer {
  const pool = Buffer.alloc(bytes.length + 64, 0x7f);
  pool.set(bytes, 16);
  const view = pool.subarray(16, 16 + bytes.length);
  expect(view.byteOffset).toBe(16);
  return view;
}

describe('readIdx on a Node Buffer and a Uint8Array', () => {
  const int8 = writeIdx({ dtype: 'int8', shape: [5], data: Int8Array.from([-3, -1, 0, 1, 127]) });
  const uint8 = writeIdx({ dtype: 'uint8', shape: [2, 2], data: Uint8Array.from([1, 2, 250, 255]) });

  it('int8 from a Buffer with a non-zero byteOffset decodes exactly the data elements', () => {
    const out = readIdx(inPooledBuffer(int8));
    expect(out.shape).toEqual([5]);
    expect(out.data).toBeInstanceOf(Int8Array);
    expect(Array.from(out.data)).toEqual([-3, -1, 0, 1, 127]);
  });

  it('int8 from a plain Uint8Array decodes exactly the data elements', () => {
    const out = readIdx(Uint8Array.from(int8));
    expect(Array.from(out.data)).toEqual([-3, -1, 0, 1, 127]);
  });

  it('uint8 from a Buffer does not share memory with the Buffer', () => {
    const buf = inPooledBuffer(uint8);
    const out = readIdx(buf);
    expect(Array.from(out.data)).toEqual([1, 2, 250, 255]);
    expect(out.data.buffer).not.toBe(buf.buffer);
    buf[buf.length - 1] = 0;
    expect(out.data[3]).toBe(255);
  });

  it('int8 from a Buffer does not share memory with the Buffer', () => {
    const buf = inPooledBuffer(int8);
    const out = readIdx(buf);
    expect(out.data.buffer).not.toBe(buf.buffer);
    buf[buf.length - 1] = 0;
    expect(out.data[4]).toBe(127);
  });

  it('uint8 from a plain Uint8Array does not share memory with it', () => {
    const bytes = Uint8Array.from(uint8);
    const out = readIdx(bytes);
    bytes[bytes.length - 1] = 0;
    expect(out.data[3]).toBe(255);
  });

  it('gzipped bytes in a pooled Buffer decode too', () => {
    const gz = writeIdx(
      { dtype: 'int8', shape: [5], data: Int8Array.from([-3, -1, 0, 1, 127]) },
      { gzip: true },
    );
    expect(Array.from(readIdx(inPooledBuffer(gz)).data)).toEqual([-3, -1, 0, 1, 127]);
  });
});
