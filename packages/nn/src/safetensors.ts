/**
 * Weights as safetensors files (https://github.com/huggingface/safetensors), the format PyTorch
 * and the Hugging Face tools read: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { key: value } }` padded
 * with spaces to a multiple of 8, then the little-endian tensor data, packed with no holes.
 *
 * Writing: F32, F64, I32 and BOOL. Tensors are laid out as the reference implementation does: by
 * dtype alignment, largest first (F64, then F32, then I32, then BOOL), then by name, so every tensor starts
 * at a multiple of its item size; `__metadata__` comes first in the header when given.
 *
 * Reading: F32, F64, I32 and BOOL as they are; F16 and BF16 into float32; U8, I8, I16 and U16 into
 * int32, and U32 and I64 into int32 when every value fits. Anything malformed throws a
 * `FormatError` naming the tensor and the problem; sizes are checked before anything is
 * allocated, and data is copied out, so tensors never alias the file's bytes.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FormatError, Tensor, ValueError } from '@tsgrad/core';

/** What `decodeSafetensors` returns. */
export interface SafetensorsContents {
  /** The tensors by name, in header order. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

/** Bytes per element of every dtype the format defines. */
const ITEM_SIZE: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

const READABLE = new Set([
  'F64',
  'F32',
  'F16',
  'BF16',
  'I64',
  'U32',
  'I32',
  'I16',
  'U16',
  'I8',
  'U8',
  'BOOL',
]);
const WRITE_DTYPE = { float64: 'F64', float32: 'F32', int32: 'I32', bool: 'BOOL' } as const;
/** Alignment rank in the reference implementation's dtype order (higher is written first). */
const WRITE_RANK = { float64: 2, float32: 1, int32: 0, bool: -1 } as const;

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Serializes named tensors (and optional string metadata) to safetensors bytes.
 *
 * @example
 * const bytes = encodeSafetensors(new Linear(4, 2).stateDict(), { format: 'pt' });
 */
export function encodeSafetensors(
  dict: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = Object.entries(dict);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new ValueError(`encodeSafetensors: '${name}' is not a Tensor`);
    if (name === '__metadata__')
      throw new ValueError(`encodeSafetensors: the name '__metadata__' is reserved`);
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object')
      throw new ValueError('encodeSafetensors: metadata must be an object');
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new ValueError(`encodeSafetensors: metadata '${key}' must be a string, got ${typeof value}`);
      }
    }
  }
  entries.sort(
    ([a, ta], [b, tb]) => WRITE_RANK[tb.dtype] - WRITE_RANK[ta.dtype] || (a < b ? -1 : a > b ? 1 : 0),
  );
  // Built with defineProperty-safe entries so that a tensor named '__proto__' stays an own key.
  const header: [string, unknown][] = [];
  if (metadata !== undefined) header.push(['__metadata__', { ...metadata }]);
  let dataBytes = 0;
  for (const [name, t] of entries) {
    const bytes = t.size * t.data.BYTES_PER_ELEMENT;
    header.push([
      name,
      { dtype: WRITE_DTYPE[t.dtype], shape: [...t.shape], data_offsets: [dataBytes, dataBytes + bytes] },
    ]);
    dataBytes += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(header)));
  const headerBytes = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerBytes + dataBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerBytes / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  let pos = 8 + headerBytes;
  for (const [, t] of entries) {
    const values = t.isContiguous ? t.data.subarray(t.offset, t.offset + t.size) : t.toTypedArray();
    if (LITTLE_ENDIAN) out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), pos);
    else {
      for (let i = 0; i < values.length; i++) {
        const at = pos + i * values.BYTES_PER_ELEMENT;
        if (values instanceof Float64Array) view.setFloat64(at, values[i]!, true);
        else if (values instanceof Float32Array) view.setFloat32(at, values[i]!, true);
        else view.setInt32(at, values[i]!, true);
      }
    }
    pos += values.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses safetensors bytes. Throws `FormatError` on anything malformed: a short file, a header
 * length past the end, a header that is not a UTF-8 JSON object, missing or ill-typed fields, an
 * unknown or unsupported dtype, offsets out of range, overlapping or leaving holes, or a shape
 * that does not match its byte length.
 *
 * @example
 * const bytes = encodeSafetensors({ w: ones([2, 3]) }, { step: '10' });
 * const { tensors, metadata } = decodeSafetensors(bytes); // tensors.w: [2, 3] float32; metadata { step: '10' }
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw new FormatError('safetensors: expected a Uint8Array');
  if (bytes.length < 8) {
    throw new FormatError(
      `safetensors: file is ${bytes.length} bytes, too short for the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > MAX_HEADER_BYTES) {
    throw new FormatError(
      `safetensors: header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`,
    );
  }
  if (headerLength > bytes.length - 8) {
    throw new FormatError(
      `safetensors: header length ${headerLength} runs past the end of the file (${bytes.length - 8} bytes after the length)`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new FormatError('safetensors: header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new FormatError(`safetensors: header must begin with '{'`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`safetensors: header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FormatError('safetensors: header is not a JSON object');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') metadata = parseMetadata(value);
    else entries.push(parseEntry(name, value, dataLength));
  }
  // The data section must be covered exactly: no overlaps, no holes, nothing after the end.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of sorted) {
    if (e.begin < covered)
      throw new FormatError(
        `safetensors: tensor '${e.name}' overlaps the tensor before it (offset ${e.begin} < ${covered})`,
      );
    if (e.begin > covered)
      throw new FormatError(
        `safetensors: bytes ${covered}..${e.begin} before tensor '${e.name}' belong to no tensor`,
      );
    covered = e.end;
  }
  if (covered !== dataLength) {
    throw new FormatError(
      `safetensors: the tensors cover ${covered} bytes of data, but the file has ${dataLength}`,
    );
  }
  const tensors: [string, Tensor][] = entries.map((e) => [
    e.name,
    new Tensor(readData(e, bytes.subarray(dataStart + e.begin, dataStart + e.end)), e.shape),
  ]);
  return { tensors: Object.fromEntries(tensors), metadata };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new FormatError('safetensors: __metadata__ is not an object');
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new FormatError(`safetensors: __metadata__ '${key}' is not a string`);
  }
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

function parseEntry(name: string, value: unknown, dataLength: number): Entry {
  const fail = (problem: string): never => {
    throw new FormatError(`safetensors: tensor '${name}': ${problem}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return fail('entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') return fail("missing or non-string 'dtype'");
  const itemSize = ITEM_SIZE[dtype];
  if (itemSize === undefined || !Object.hasOwn(ITEM_SIZE, dtype)) return fail(`unknown dtype '${dtype}'`);
  if (!READABLE.has(dtype))
    return fail(
      `unsupported dtype '${dtype}' (tsgrad reads F64, F32, F16, BF16, BOOL and integers up to 32 bits)`,
    );
  if (!Array.isArray(shape)) return fail("missing or non-array 'shape'");
  let count = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      return fail(`invalid dimension ${JSON.stringify(d)} in shape`);
    count *= d;
  }
  if (!Array.isArray(offsets) || offsets.length !== 2)
    return fail("'data_offsets' must be an array [begin, end]");
  const [begin, end] = offsets as unknown[];
  if (
    typeof begin !== 'number' ||
    typeof end !== 'number' ||
    !Number.isSafeInteger(begin) ||
    !Number.isSafeInteger(end)
  ) {
    return fail(`data_offsets [${String(begin)}, ${String(end)}] are not integers`);
  }
  if (begin < 0 || end < begin) return fail(`invalid data_offsets [${begin}, ${end}]`);
  if (end > dataLength)
    return fail(`data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data section`);
  if (count * itemSize !== end - begin) {
    return fail(
      `shape [${shape.join(',')}] of ${dtype} needs ${count * itemSize} bytes, data_offsets give ${end - begin}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Copies one tensor's bytes into a new typed array of the tsgrad dtype. */
function readData(e: Entry, raw: Uint8Array): Float32Array | Float64Array | Int32Array | Uint8Array {
  const n = (e.end - e.begin) / ITEM_SIZE[e.dtype]!;
  // A copy with a buffer of its own (a Node Buffer's `slice` would share the file's memory).
  const own = (): ArrayBuffer => new Uint8Array(raw).buffer;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (e.dtype) {
    case 'F32':
      return LITTLE_ENDIAN
        ? new Float32Array(own())
        : fill(new Float32Array(n), (i) => view.getFloat32(4 * i, true));
    case 'F64':
      return LITTLE_ENDIAN
        ? new Float64Array(own())
        : fill(new Float64Array(n), (i) => view.getFloat64(8 * i, true));
    case 'I32':
      return LITTLE_ENDIAN
        ? new Int32Array(own())
        : fill(new Int32Array(n), (i) => view.getInt32(4 * i, true));
    case 'F16': {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = halfToFloatBits(view.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'BOOL':
      return fill(new Uint8Array(n), (i) => (view.getUint8(i) !== 0 ? 1 : 0));
    case 'U8':
      return fill(new Int32Array(n), (i) => view.getUint8(i));
    case 'I8':
      return fill(new Int32Array(n), (i) => view.getInt8(i));
    case 'U16':
      return fill(new Int32Array(n), (i) => view.getUint16(2 * i, true));
    case 'I16':
      return fill(new Int32Array(n), (i) => view.getInt16(2 * i, true));
    case 'U32':
      return fill(new Int32Array(n), (i) => fitInt32(e, i, view.getUint32(4 * i, true)));
    case 'I64':
      return fill(new Int32Array(n), (i) => fitInt32(e, i, view.getBigInt64(8 * i, true)));
    default:
      throw new FormatError(`safetensors: tensor '${e.name}': unsupported dtype '${e.dtype}'`);
  }
}

function fill<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(
  out: T,
  at: (i: number) => number,
): T {
  for (let i = 0; i < out.length; i++) out[i] = at(i);
  return out;
}

function fitInt32(e: Entry, i: number, value: number | bigint): number {
  if (value > 2147483647 || value < -2147483648) {
    throw new FormatError(
      `safetensors: tensor '${e.name}' (${e.dtype}): value ${value} at index ${i} does not fit in int32`,
    );
  }
  return Number(value);
}

/**
 * The float32 bit pattern of an IEEE half (sign, ±0, subnormals, ±Inf and NaN payloads kept).
 *
 * @example
 * halfToFloatBits(0x3c00); // 0x3f800000, the bits of 1.0
 * halfToFloatBits(0xfc00); // 0xff800000, −Infinity
 */
export function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // Subnormal half: shift the mantissa up until its leading 1 is the implicit bit.
  let e = 113;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
}

/**
 * Writes named tensors (and optional string metadata) to a safetensors file, atomically: the
 * bytes go to a temporary file in the same folder, are flushed to disk, and the temporary file
 * is renamed over `path`. A crash or kill mid-write leaves the old file (or none), never a torn one.
 *
 * @example
 * const model = new Linear(4, 2);
 * saveSafetensors(model.stateDict(), 'model.safetensors'); // weight [2, 4] and bias [2]
 */
export function saveSafetensors(
  dict: Record<string, Tensor>,
  path: string,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, encodeSafetensors(dict, metadata), 'saveSafetensors');
}

let tempCounter = 0;

/**
 * Writes `data` to `path` atomically (temporary file in the same folder, fsync, rename), so a
 * reader sees the old contents or the new, never a partial file. Failures are a ValueError
 * naming `op` and the path; the temporary file is removed.
 *
 * @example
 * writeFileAtomic('metrics.json', JSON.stringify({ epoch: 3, accuracy: 0.97 }));
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, op = 'writeFileAtomic'): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter++}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(temp, 'wx');
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; the first error is the one to report.
      }
    }
    try {
      rmSync(temp, { force: true });
    } catch {
      // Leave the temporary file; the write error is what matters.
    }
    throw new ValueError(`${op}: cannot write '${path}': ${(error as Error).message}`);
  }
  syncFolder(dirname(path));
}

/** Flushes a folder's entry list, so a rename survives a power cut (best effort: not every OS allows it). */
function syncFolder(folder: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Opening or syncing a folder is unsupported on some systems; the data itself is synced.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Reads a safetensors file: its tensors by name and its metadata.
 *
 * @example
 * saveSafetensors(new Linear(4, 2).stateDict(), 'model.safetensors');
 * const model = new Linear(4, 2);
 * model.loadStateDict(loadSafetensors('model.safetensors').tensors);
 */
export function loadSafetensors(path: string): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ValueError(`loadSafetensors: cannot read '${path}': ${(error as Error).message}`);
  }
  try {
    return decodeSafetensors(bytes);
  } catch (error) {
    if (error instanceof FormatError) throw new FormatError(`${error.message} (in '${path}')`);
    throw error;
  }
}
