/**
 * The worker pool behind the multithreaded float32 matmul: `node:worker_threads` workers started
 * from a source string (so they load the same way under tsx, vitest and compiled JS), each with
 * its own instance of the matmul module on the one shared WebAssembly memory. A job is a set of
 * rectangles of C tiles; the calling thread computes the first itself while the workers compute
 * the rest. Workers sleep in `Atomics.wait` between jobs (no spinning), and are `unref`ed, so a
 * process ends by itself when its work is done.
 *
 * Outside Node (no `process.getBuiltinModule`), or where workers fail to start, there is no pool
 * and every product runs on the calling thread.
 */
import { TsgradError, ValueError } from '../../errors.js';
import { RUN_BLOCKS_SOURCE } from './gemm-blocks.js';

/** The largest thread count `setNumThreads` accepts. */
export const MAX_THREADS = 64;

// Control array (Int32, shared with every worker): counters, the job (gemm-blocks.ts JOB, 8..31),
// then one slot of SLOT_INTS per worker: [generation, r0, r1, c0, c1].
const READY = 0;
const PENDING = 1;
const ERROR = 2;
const SLOTS = 32;
const SLOT_INTS = 8;

/** Checks of the pending count before the calling thread sleeps (some tens of microseconds). */
const SPIN_CHECKS = 20_000;

/** How long the first job waits for new workers to start before giving up on threads. */
const START_TIMEOUT_MS = 30_000;

const WORKER_SOURCE = `'use strict';
const { workerData } = require('node:worker_threads');
const c = new Int32Array(workerData.control);
const ex = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
const runBlocks = new Function('return ' + workerData.runBlocks)();
const slot = ${SLOTS} + workerData.slot * ${SLOT_INTS};
Atomics.add(c, ${READY}, 1);
Atomics.notify(c, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(c, slot, seen);
  seen = Atomics.load(c, slot);
  try {
    runBlocks(ex.gemmCols, ex.gemmRows, c, c[slot + 1], c[slot + 2], c[slot + 3], c[slot + 4]);
  } catch (e) {
    Atomics.store(c, ${ERROR}, 1);
  }
  if (Atomics.sub(c, ${PENDING}, 1) === 1) Atomics.notify(c, ${PENDING});
}
`;

/** The parts of `node:worker_threads`' Worker used here. */
interface WorkerHandle {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}
type WorkerConstructor = new (
  source: string,
  options: { eval: true; execArgv: string[]; workerData: unknown; name?: string },
) => WorkerHandle;

interface NodeProcess {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

function nodeProcess(): NodeProcess | undefined {
  return (globalThis as { process?: NodeProcess }).process;
}

/** The default thread count: TSGRAD_NUM_THREADS, else the machine's available parallelism, else 1. */
function defaultThreads(): number {
  const proc = nodeProcess();
  const env = Number(proc?.env?.TSGRAD_NUM_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, MAX_THREADS);
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const cores = os?.availableParallelism?.() ?? 1;
  return Math.max(1, Math.min(cores, MAX_THREADS));
}

let numThreads = defaultThreads();

/**
 * The number of threads float32 matrix products (and the convolutions built on them) may use.
 *
 * @example
 * getNumThreads(); // e.g. 8: TSGRAD_NUM_THREADS, else the machine's core count
 */
export function getNumThreads(): number {
  return numThreads;
}

/**
 * Sets how many threads float32 matrix products may use, the calling thread included (as
 * `torch.set_num_threads`); 1 keeps all work on the calling thread. Results are bit-identical
 * whatever the count. Default: the TSGRAD_NUM_THREADS environment variable, else the machine's cores.
 *
 * @example
 * const previous = getNumThreads();
 * setNumThreads(1); // all matmul work on the calling thread
 * matmul(randn([64, 64]), randn([64, 64])); // [64, 64], the same bits as with more threads
 * setNumThreads(previous);
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    throw new ValueError(`setNumThreads: expected an integer from 1 to ${MAX_THREADS}, got ${n}`);
  numThreads = n;
}

const control = new Int32Array(
  typeof SharedArrayBuffer === 'function'
    ? new SharedArrayBuffer(4 * (SLOTS + SLOT_INTS * MAX_THREADS))
    : new ArrayBuffer(4 * (SLOTS + SLOT_INTS * MAX_THREADS)),
);
const workers: WorkerHandle[] = [];
let broken = typeof SharedArrayBuffer !== 'function';

/** The job parameters shared with the workers (offsets in gemm-blocks.ts's JOB). */
export function jobArray(): Int32Array {
  return control;
}

/**
 * Makes sure `count` workers run the matmul module `module` on the shared memory `memory`, and
 * returns false where that is impossible (no worker_threads, a worker that did not start).
 */
export function ensureWorkers(count: number, module: object, memory: object): boolean {
  if (broken) return false;
  if (workers.length >= count) return true;
  const wt = nodeProcess()?.getBuiltinModule?.('node:worker_threads') as
    | { Worker?: WorkerConstructor }
    | undefined;
  if (wt?.Worker === undefined) {
    broken = true;
    return false;
  }
  try {
    for (let slot = workers.length; slot < count; slot++) {
      const worker = new wt.Worker(WORKER_SOURCE, {
        eval: true,
        // The worker is plain JavaScript: no loaders (tsx, vitest) needed or wanted.
        execArgv: [],
        workerData: { module, memory, control: control.buffer, slot, runBlocks: RUN_BLOCKS_SOURCE },
        name: `tsgrad-matmul-${slot}`,
      });
      worker.on('error', () => {
        broken = true;
      });
      worker.unref();
      workers.push(worker);
    }
  } catch {
    return giveUp();
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const ready = Atomics.load(control, READY);
    if (ready >= count) return true;
    const left = deadline - Date.now();
    if (left <= 0) return giveUp();
    Atomics.wait(control, READY, ready, left);
  }
}

/** Stops every worker and keeps products on the calling thread from now on. */
function giveUp(): false {
  broken = true;
  for (const w of workers.splice(0)) void w.terminate();
  return false;
}

/**
 * Runs one job: `ranges` holds [r0, r1, c0, c1] per part (part 0 first); the workers take parts
 * 1…, the calling thread runs part 0 with `self` and then sleeps until the workers are done.
 * Requires `ensureWorkers(parts − 1, …)` to have returned true and the job array to be filled.
 */
export function runJob(
  ranges: readonly number[],
  self: (r0: number, r1: number, c0: number, c1: number) => void,
): void {
  const parts = ranges.length / 4;
  Atomics.store(control, ERROR, 0);
  Atomics.store(control, PENDING, parts - 1);
  for (let p = 1; p < parts; p++) {
    const slot = SLOTS + (p - 1) * SLOT_INTS;
    for (let i = 0; i < 4; i++) control[slot + 1 + i] = ranges[4 * p + i]!;
    Atomics.add(control, slot, 1);
    Atomics.notify(control, slot, 1);
  }
  self(ranges[0]!, ranges[1]!, ranges[2]!, ranges[3]!);
  // The parts are equal, so the workers are usually about done: look a few microseconds before
  // sleeping, which saves a futex wake-up and a context switch per product.
  for (let spin = 0; spin < SPIN_CHECKS && Atomics.load(control, PENDING) !== 0; spin++);
  for (;;) {
    const pending = Atomics.load(control, PENDING);
    if (pending === 0) break;
    Atomics.wait(control, PENDING, pending);
  }
  if (Atomics.load(control, ERROR) !== 0)
    throw new TsgradError('matmul: a worker thread failed (internal error)');
}
