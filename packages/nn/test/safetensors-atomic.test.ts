import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, ValueError } from '@tsgrad/core';
import { loadSafetensors, saveSafetensors, writeFileAtomic } from '@tsgrad/nn';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Simulates a process that dies (or a disk that fills up) half way through writing a file: every
// write call, whichever API it goes through, writes half its bytes and then throws.
const failing = { on: false };
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const half = (data: Uint8Array | string): Uint8Array => {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return bytes.subarray(0, bytes.length >> 1);
  };
  return {
    ...real,
    writeFileSync: (
      path: fs.PathOrFileDescriptor,
      data: Uint8Array | string,
      options?: fs.WriteFileOptions,
    ) => {
      if (!failing.on) return real.writeFileSync(path, data, options);
      real.writeFileSync(path, half(data));
      throw new Error('ENOSPC: no space left on device (simulated)');
    },
    writeSync: (fd: number, data: Uint8Array, offset?: number, length?: number) => {
      if (!failing.on) return real.writeSync(fd, data, offset, length);
      real.writeSync(fd, half(data.subarray(offset ?? 0, (offset ?? 0) + (length ?? data.length))));
      throw new Error('ENOSPC: no space left on device (simulated)');
    },
  };
});

const dir = fs.mkdtempSync(join(tmpdir(), 'tsgrad-atomic-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('saveSafetensors writes atomically (#18.8)', () => {
  it('a write that fails half way leaves the previous file intact and no temporary file', () => {
    const path = join(dir, 'model.safetensors');
    saveSafetensors({ w: tensor([1, 2, 3]) }, path);
    failing.on = true;
    try {
      expect(() => saveSafetensors({ w: tensor([4, 5, 6, 7, 8, 9]) }, path)).toThrow(ValueError);
    } finally {
      failing.on = false;
    }
    expect(loadSafetensors(path).tensors.w!.toArray()).toEqual([1, 2, 3]);
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('a successful save replaces the file', () => {
    const path = join(dir, 'model.safetensors');
    saveSafetensors({ w: tensor([7]) }, path);
    expect(loadSafetensors(path).tensors.w!.toArray()).toEqual([7]);
  });

  it('writeFileAtomic names the op and the path when the folder does not exist', () => {
    expect(() => writeFileAtomic(join(dir, 'no', 'such', 'x.json'), '{}', 'metrics')).toThrow(
      /metrics: cannot write '.*x\.json'/,
    );
  });
});
