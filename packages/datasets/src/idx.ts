/**
 * The IDX format of MNIST and its relatives: a 4-byte magic number `00 00 <type> <rank>`, `rank`
 * big-endian uint32 dims, then the elements in row-major order, big-endian. Files may be gzipped
 * (detected by the gzip magic bytes `1f 8b`).
 *
 * Type codes and the typed arrays they decode to:
 *
 * | code | IDX type       | dtype     | typed array    |
 * | ---- | -------------- | --------- | -------------- |
 * | 0x08 | unsigned byte  | `uint8`   | `Uint8Array`   |
 * | 0x09 | signed byte    | `int8`    | `Int8Array`    |
 * | 0x0B | short (2 B)    | `int16`   | `Int16Array`   |
 * | 0x0C | int (4 B)      | `int32`   | `Int32Array`   |
 * | 0x0D | float (4 B)    | `float32` | `Float32Array` |
 * | 0x0E | double (8 B)   | `float64` | `Float64Array` |
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FormatError, fmtShape, Tensor, ValueError } from '@tsgrad/core';

/** Element types of the IDX format. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed arrays IDX data decodes to (see the table in this module's comment). */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: dtype, shape (row-major) and elements. */
export interface IdxArray {
  /** The element type, from the IDX type code. */
  dtype: IdxDType;
  /** The dimensions, outermost first. */
  shape: number[];
  /** The elements in row-major order. */
  data: IdxData;
}

/** Options of `readIdx`. */
export interface ReadIdxOptions {
  /** Largest accepted size of the inflated bytes of a gzipped file (default 1 GiB): a guard against decompression bombs. */
  maxBytes?: number;
  /** A name for the bytes (a file name) that error messages include. */
  source?: string;
}

/** Options of `writeIdx`. */
export interface WriteIdxOptions {
  /** Gzip the result (default false). */
  gzip?: boolean;
}

/** Highest rank `readIdx` accepts; real files have rank 1 to 4. */
export const IDX_MAX_RANK = 32;

const DEFAULT_MAX_BYTES = 1 << 30;

interface TypeInfo {
  code: number;
  dtype: IdxDType;
  itemSize: number;
}

const TYPES: readonly TypeInfo[] = [
  { code: 0x08, dtype: 'uint8', itemSize: 1 },
  { code: 0x09, dtype: 'int8', itemSize: 1 },
  { code: 0x0b, dtype: 'int16', itemSize: 2 },
  { code: 0x0c, dtype: 'int32', itemSize: 4 },
  { code: 0x0d, dtype: 'float32', itemSize: 4 },
  { code: 0x0e, dtype: 'float64', itemSize: 8 },
];

const ARRAY_TYPES = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

function typeByCode(code: number): TypeInfo | undefined {
  return TYPES.find((t) => t.code === code);
}

function typeByDType(dtype: string): TypeInfo | undefined {
  return TYPES.find((t) => t.dtype === dtype);
}

/**
 * True when `bytes` start with the gzip magic bytes `1f 8b`.
 *
 * @example
 * isGzip(writeIdx({ dtype: 'uint8', shape: [2], data: new Uint8Array([1, 2]) }, { gzip: true })); // true
 * isGzip(new Uint8Array([0, 0, 8, 1])); // false
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The header of an IDX file, checked against the length of the bytes. */
export interface IdxHeader {
  /** The element type, from the IDX type code. */
  dtype: IdxDType;
  /** Bytes per element. */
  itemSize: number;
  /** The dimensions, outermost first. */
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
  /** Number of elements. */
  size: number;
}

/** Bytes of the longest IDX header (rank 32). */
export const IDX_MAX_HEADER_BYTES = 4 + 4 * IDX_MAX_RANK;

/**
 * Parses and checks the header of raw (not gzipped) IDX bytes: magic number, type code, rank,
 * and that the length is exactly header + product(dims) · itemsize. Allocates nothing large.
 * `bytes` may hold only the start of a file whose full length is `totalLength` (at least
 * `IDX_MAX_HEADER_BYTES` of it, or all of it when shorter).
 *
 * @example
 * const bytes = writeIdx({ dtype: 'uint8', shape: [2, 3], data: new Uint8Array(6) });
 * parseIdxHeader(bytes); // { dtype: 'uint8', itemSize: 1, shape: [2, 3], dataOffset: 12, size: 6 }
 */
export function parseIdxHeader(bytes: Uint8Array, source?: string, totalLength = bytes.length): IdxHeader {
  const op = source === undefined ? 'readIdx' : `readIdx(${source})`;
  if (totalLength < 4) {
    throw new FormatError(`${op}: file is ${totalLength} bytes, too short for the 4-byte IDX magic number`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(
      `${op}: bad magic number: expected the file to start with 0x00 0x00, got ${hex(bytes[0]!)} ${hex(bytes[1]!)}`,
    );
  }
  const type = typeByCode(bytes[2]!);
  if (type === undefined) {
    throw new FormatError(
      `${op}: unknown IDX type code ${hex(bytes[2]!)} (expected one of ${TYPES.map((t) => hex(t.code)).join(', ')})`,
    );
  }
  const rank = bytes[3]!;
  if (rank < 1 || rank > IDX_MAX_RANK) {
    throw new FormatError(`${op}: rank ${rank} is out of range (expected 1 to ${IDX_MAX_RANK})`);
  }
  const dataOffset = 4 + 4 * rank;
  if (totalLength < dataOffset) {
    throw new FormatError(
      `${op}: file is ${totalLength} bytes, too short for the ${dataOffset}-byte header of a rank-${rank} IDX file`,
    );
  }
  if (bytes.length < dataOffset)
    throw new ValueError(`${op}: need the first ${dataOffset} bytes to parse the header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  // BigInt keeps the expected size exact even for absurd dims, so the message never says Infinity.
  let size = 1n;
  for (let d = 0; d < rank; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    shape.push(dim);
    size *= BigInt(dim);
  }
  const have = totalLength - dataOffset;
  const expected = size * BigInt(type.itemSize);
  if (BigInt(have) !== expected) {
    throw new FormatError(
      `${op}: file has ${have} bytes of data, expected ${expected} for shape ${fmtShape(shape)} of ${type.dtype}`,
    );
  }
  return { dtype: type.dtype, itemSize: type.itemSize, shape, dataOffset, size: Number(size) };
}

/**
 * Inflates gzipped bytes, capping the output size; any zlib failure becomes a FormatError.
 *
 * @example
 * const gz = writeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array([7, 2, 1]) }, { gzip: true });
 * const raw = gunzipIdx(gz); // 11 bytes: the 8-byte header, then 7, 2, 1
 */
export function gunzipIdx(bytes: Uint8Array, maxBytes = DEFAULT_MAX_BYTES, source?: string): Uint8Array {
  const op = source === undefined ? 'readIdx' : `readIdx(${source})`;
  try {
    const out = gunzipSync(bytes, { maxOutputLength: maxBytes });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FormatError(
        `${op}: gzip data inflates to more than ${maxBytes} bytes (raise maxBytes to allow it)`,
      );
    }
    throw new FormatError(`${op}: corrupt gzip data (${(err as Error).message})`);
  }
}

/**
 * Decodes the elements of checked raw IDX bytes. With `copy` false a uint8 result may be a view
 * of `bytes` (only for callers that own the bytes).
 */
export function decodeIdxData(
  bytes: Uint8Array,
  header: IdxHeader,
  copy = true,
  count = header.size,
): IdxData {
  const { dtype, itemSize, dataOffset } = header;
  const start = bytes.byteOffset + dataOffset;
  const end = dataOffset + count * itemSize;
  switch (dtype) {
    case 'uint8':
      // Uint8Array.prototype.slice copies even for a Node Buffer, whose own slice() is a view.
      return copy ? Uint8Array.prototype.slice.call(bytes, dataOffset, end) : bytes.subarray(dataOffset, end);
    case 'int8': {
      const out = new Int8Array(count);
      out.set(new Int8Array(bytes.buffer, start, count));
      return out;
    }
  }
  const view = new DataView(bytes.buffer, start, count * itemSize);
  switch (dtype) {
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, false);
      return out;
    }
  }
}

/** Inflates `bytes` when they are gzipped, and returns raw IDX bytes (owned by the caller when inflated). */
function idxBytes(bytes: Uint8Array, options: ReadIdxOptions = {}): { bytes: Uint8Array; inflated: boolean } {
  if (!isGzip(bytes)) return { bytes, inflated: false };
  return { bytes: gunzipIdx(bytes, options.maxBytes ?? DEFAULT_MAX_BYTES, options.source), inflated: true };
}

/**
 * Reads an IDX file from its bytes, raw or gzipped. The result never shares memory with `bytes`.
 * Throws FormatError on a bad magic number, an unknown type code, a rank outside 1..32, or a
 * length that is not exactly header + product(dims) · itemsize.
 *
 * @example
 * const bytes = writeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array([7, 2, 1]) });
 * const { dtype, shape, data } = readIdx(bytes); // 'uint8', [3], Uint8Array [7, 2, 1]
 */
export function readIdx(bytes: Uint8Array, options: ReadIdxOptions = {}): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new ValueError('readIdx: expected a Uint8Array of file bytes');
  const raw = idxBytes(bytes, options);
  const header = parseIdxHeader(raw.bytes, options.source);
  return { dtype: header.dtype, shape: header.shape, data: decodeIdxData(raw.bytes, header, !raw.inflated) };
}

/**
 * Reads an IDX file (raw or gzipped) from disk; error messages name the file.
 *
 * @example
 * writeFileSync('labels-idx1-ubyte', writeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array([7, 2, 1]) }));
 * const { shape, data } = readIdxFile('labels-idx1-ubyte'); // [3], Uint8Array [7, 2, 1]
 */
export function readIdxFile(path: string, options: ReadIdxOptions = {}): IdxArray {
  const bytes = readFileSync(path);
  return readIdx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    source: path,
    ...options,
  });
}

/**
 * Encodes an array as IDX bytes (optionally gzipped). A `Tensor` (float32, float64 or int32) is
 * written with its own dtype and shape; a 0-d tensor is written as shape [1].
 *
 * @example
 * const bytes = writeIdx(tensor([[1, 2], [3, 4]], { dtype: 'int32' })); // int32 IDX of shape [2, 2]
 * const gz = writeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array([7, 2, 1]) }, { gzip: true });
 */
export function writeIdx(array: IdxArray | Tensor, options: WriteIdxOptions = {}): Uint8Array {
  const dtype = array.dtype;
  const shape = array.shape.length === 0 ? [1] : [...array.shape];
  const data: IdxData = array instanceof Tensor ? array.toTypedArray() : array.data;
  const type = typeByDType(dtype);
  if (type === undefined) throw new ValueError(`writeIdx: unknown dtype '${dtype}'`);
  if (shape.length > IDX_MAX_RANK)
    throw new ValueError(`writeIdx: rank ${shape.length} exceeds ${IDX_MAX_RANK}`);
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new ValueError(`writeIdx: dims must be integers in 0..2^32-1, got shape ${fmtShape(shape)}`);
    }
    size *= d;
  }
  const expectedCtor = ARRAY_TYPES[dtype as IdxDType];
  if (!(data instanceof expectedCtor)) {
    throw new ValueError(
      `writeIdx: dtype ${dtype} needs a ${expectedCtor.name}, got a ${data.constructor.name}`,
    );
  }
  if (data.length !== size) {
    throw new ValueError(`writeIdx: shape ${fmtShape(shape)} needs ${size} elements, got ${data.length}`);
  }
  const dataOffset = 4 + 4 * shape.length;
  const out = new Uint8Array(dataOffset + size * type.itemSize);
  const view = new DataView(out.buffer);
  out[2] = type.code;
  out[3] = shape.length;
  for (let i = 0; i < shape.length; i++) view.setUint32(4 + 4 * i, shape[i]!, false);
  switch (dtype) {
    case 'uint8':
      out.set(data as Uint8Array, dataOffset);
      break;
    case 'int8':
      out.set(new Uint8Array(data.buffer, data.byteOffset, size), dataOffset);
      break;
    case 'int16':
      for (let i = 0; i < size; i++) view.setInt16(dataOffset + 2 * i, data[i]!, false);
      break;
    case 'int32':
      for (let i = 0; i < size; i++) view.setInt32(dataOffset + 4 * i, data[i]!, false);
      break;
    case 'float32':
      for (let i = 0; i < size; i++) view.setFloat32(dataOffset + 4 * i, data[i]!, false);
      break;
    case 'float64':
      for (let i = 0; i < size; i++) view.setFloat64(dataOffset + 8 * i, data[i]!, false);
      break;
  }
  if (!options.gzip) return out;
  const gz = gzipSync(out);
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}

/**
 * An IDX array as a Tensor: integer types become int32, float32 and float64 keep their dtype
 * (and their buffer, which the tensor then shares).
 *
 * @example
 * const labels = idxToTensor({ dtype: 'uint8', shape: [3], data: new Uint8Array([7, 2, 1]) }); // int32 [3]
 */
export function idxToTensor(array: IdxArray): Tensor {
  const { dtype, shape, data } = array;
  if (dtype === 'float32' || dtype === 'float64')
    return new Tensor(data as Float32Array | Float64Array, shape);
  return new Tensor(data instanceof Int32Array ? data : Int32Array.from(data), shape);
}
