/**
 * Training checkpoints: a model, its optimizer, its lr scheduler, the epoch and any JSON extras in
 * one safetensors file, written atomically. Tensors (the model's state dict and the optimizer's
 * state buffers) are stored exactly in their dtype; everything else is JSON in the metadata, so
 * `loadCheckpoint` into fresh objects continues training bit for bit.
 *
 * Layout: tensors `model.<name>` and `optimizer.<param index>.<state key>`; metadata `format`
 * (`tsgrad-checkpoint`), `version` (`1`), `optimizer` (groups and numeric state), `scheduler`,
 * `epoch` and `extra`, each a JSON string.
 */

import { readFileSync } from 'node:fs';
import { FormatError, Tensor, ValueError } from '@tsgrad/core';
import type { Module } from './module.js';
import type { Scheduler, SchedulerStateDict } from './optim/lr-scheduler.js';
import type { Optimizer, OptimizerOptions, OptimizerStateDict } from './optim/optimizer.js';
import { decodeSafetensors, encodeSafetensors, writeFileAtomic } from './safetensors.js';

/** What a checkpoint is saved from and loaded into. */
export interface CheckpointTargets {
  /** The model: its `stateDict()` (parameters and persistent buffers). */
  model?: Module;
  /** The optimizer: hyper-parameters of each group and per-parameter state. */
  optimizer?: Optimizer<OptimizerOptions>;
  /** The lr scheduler (any of them, `SequentialLR` and `ReduceLROnPlateau` included): its state dict. */
  scheduler?: Scheduler | null;
}

/** What `saveCheckpoint` takes: the objects to save, the epoch, and extra JSON-serializable fields. */
export interface CheckpointInput extends CheckpointTargets {
  /** The number of epochs completed. */
  epoch?: number;
  /** Anything else (a step count, generator states, the run's config): must survive JSON. */
  [extra: string]: unknown;
}

/** A loaded checkpoint. */
export interface Checkpoint {
  /** The model's state dict. */
  model: Record<string, Tensor>;
  /** The optimizer's state dict, or null when none was saved. */
  optimizer: OptimizerStateDict<OptimizerOptions> | null;
  /** The scheduler's state dict, or null when none was saved. */
  scheduler: SchedulerStateDict | null;
  /** The epoch saved, or null. */
  epoch: number | null;
  /** The extra fields, as saved. */
  extra: Record<string, unknown>;
}

const FORMAT = 'tsgrad-checkpoint';
const VERSION = '1';

/**
 * Saves a model, optimizer, scheduler, epoch and extra fields to one safetensors file,
 * atomically (a crash mid-write leaves the previous checkpoint intact).
 *
 * @example
 * const model = new Linear(4, 2);
 * const optimizer = new Adam(model.parameters());
 * saveCheckpoint('checkpoint.safetensors', { model, optimizer, epoch: 3, step: 5625 });
 */
export function saveCheckpoint(path: string, input: CheckpointInput): void {
  const op = 'saveCheckpoint';
  const { model, optimizer, scheduler, epoch, ...extra } = input;
  const tensors: Record<string, Tensor> = {};
  const metadata: Record<string, string> = { format: FORMAT, version: VERSION };
  if (model !== undefined) {
    for (const [name, t] of Object.entries(model.stateDict())) tensors[`model.${name}`] = t;
  }
  if (optimizer !== undefined) {
    const dict = optimizer.stateDict();
    const numbers: Record<string, Record<string, number>> = {};
    for (const [index, state] of Object.entries(dict.state)) {
      numbers[index] = {};
      for (const [key, value] of Object.entries(state)) {
        if (value instanceof Tensor) tensors[`optimizer.${index}.${key}`] = value;
        else numbers[index][key] = value;
      }
    }
    metadata.optimizer = toJson(op, 'optimizer', { paramGroups: dict.paramGroups, state: numbers });
  }
  if (scheduler !== undefined && scheduler !== null) {
    metadata.scheduler = toJson(op, 'scheduler', scheduler.stateDict());
  }
  if (epoch !== undefined) {
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new ValueError(`${op}: epoch must be a non-negative integer, got ${String(epoch)}`);
    metadata.epoch = String(epoch);
  }
  metadata.extra = toJson(op, 'extra', extra);
  writeFileAtomic(path, encodeSafetensors(tensors, metadata), op);
}

/** JSON that reads back as the same value, or a ValueError naming the field. */
function toJson(op: string, key: string, value: unknown): string {
  const text = JSON.stringify(value, (k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new ValueError(`${op}: ${key} holds ${v}${k === '' ? '' : ` at '${k}'`}, which JSON cannot keep`);
    }
    if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') {
      throw new ValueError(
        `${op}: ${key} holds a ${typeof v}${k === '' ? '' : ` at '${k}'`}, which JSON cannot keep`,
      );
    }
    return v;
  });
  return text;
}

/**
 * Reads a checkpoint written by `saveCheckpoint`. With `into`, it also loads the model (strictly),
 * the optimizer and the scheduler, so that training continues exactly where it stopped.
 *
 * @example
 * const model = new Linear(4, 2);
 * const optimizer = new Adam(model.parameters());
 * saveCheckpoint('checkpoint.safetensors', { model, optimizer, epoch: 3, step: 5625 });
 * const { epoch, extra } = loadCheckpoint('checkpoint.safetensors', { model, optimizer }); // 3, { step: 5625 }
 */
export function loadCheckpoint(path: string, into: CheckpointTargets = {}): Checkpoint {
  const op = 'loadCheckpoint';
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ValueError(`${op}: cannot read '${path}': ${(error as Error).message}`);
  }
  let tensors: Record<string, Tensor>;
  let metadata: Record<string, string>;
  try {
    ({ tensors, metadata } = decodeSafetensors(bytes));
  } catch (error) {
    if (error instanceof FormatError) throw new FormatError(`${error.message} (in '${path}')`);
    throw error;
  }
  if (metadata.format !== FORMAT) {
    throw new FormatError(
      `${op}: '${path}' is not a tsgrad checkpoint (metadata 'format' is ${JSON.stringify(metadata.format ?? null)}, expected '${FORMAT}')`,
    );
  }
  if (metadata.version !== VERSION) {
    throw new FormatError(
      `${op}: '${path}' has checkpoint version ${metadata.version}, this reader knows ${VERSION}`,
    );
  }
  const parse = (key: string): unknown => {
    const text = metadata[key];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new FormatError(`${op}: metadata '${key}' of '${path}' is not valid JSON`);
    }
  };
  const model: Record<string, Tensor> = {};
  const optimizerTensors = new Map<string, Record<string, Tensor>>();
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith('model.')) model[name.slice(6)] = t;
    else if (name.startsWith('optimizer.')) {
      const rest = name.slice(10);
      const dot = rest.indexOf('.');
      if (dot <= 0) throw new FormatError(`${op}: tensor '${name}' of '${path}' has no state key`);
      const index = rest.slice(0, dot);
      const entry = optimizerTensors.get(index) ?? {};
      entry[rest.slice(dot + 1)] = t;
      optimizerTensors.set(index, entry);
    } else throw new FormatError(`${op}: unexpected tensor '${name}' in '${path}'`);
  }
  let optimizer: OptimizerStateDict<OptimizerOptions> | null = null;
  const savedOptimizer = parse('optimizer') as
    | { paramGroups?: unknown; state?: Record<string, Record<string, number>> }
    | undefined;
  if (savedOptimizer !== undefined) {
    if (
      savedOptimizer === null ||
      typeof savedOptimizer !== 'object' ||
      !Array.isArray(savedOptimizer.paramGroups) ||
      typeof savedOptimizer.state !== 'object' ||
      savedOptimizer.state === null
    ) {
      throw new FormatError(`${op}: metadata 'optimizer' of '${path}' needs 'paramGroups' and 'state'`);
    }
    const state: Record<number, Record<string, number | Tensor>> = {};
    for (const [index, numbers] of Object.entries(savedOptimizer.state)) {
      state[Number(index)] = { ...numbers };
    }
    for (const [index, bufs] of optimizerTensors) state[Number(index)] = { ...state[Number(index)], ...bufs };
    optimizer = {
      paramGroups: savedOptimizer.paramGroups as OptimizerStateDict<OptimizerOptions>['paramGroups'],
      state,
    };
  } else if (optimizerTensors.size > 0) {
    throw new FormatError(`${op}: '${path}' has optimizer tensors but no 'optimizer' metadata`);
  }
  const scheduler = (parse('scheduler') as SchedulerStateDict | undefined) ?? null;
  let epoch: number | null = null;
  if (metadata.epoch !== undefined) {
    epoch = Number(metadata.epoch);
    if (!/^\d+$/.test(metadata.epoch) || !Number.isSafeInteger(epoch)) {
      throw new FormatError(
        `${op}: metadata 'epoch' of '${path}' is ${JSON.stringify(metadata.epoch)}, not an integer`,
      );
    }
  }
  const extraValue = parse('extra') ?? {};
  if (typeof extraValue !== 'object' || extraValue === null || Array.isArray(extraValue)) {
    throw new FormatError(`${op}: metadata 'extra' of '${path}' is not a JSON object`);
  }
  const checkpoint: Checkpoint = {
    model,
    optimizer,
    scheduler,
    epoch,
    extra: extraValue as Record<string, unknown>,
  };
  const inside = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      if (error instanceof Error) error.message = `${op}(${path}): ${what}: ${error.message}`;
      throw error;
    }
  };
  if (into.model !== undefined) inside('model', () => into.model!.loadStateDict(model));
  if (into.optimizer !== undefined) {
    if (optimizer === null) throw new ValueError(`${op}: '${path}' holds no optimizer state`);
    inside('optimizer', () => into.optimizer!.loadStateDict(optimizer));
  }
  if (into.scheduler !== undefined && into.scheduler !== null) {
    if (scheduler === null) throw new ValueError(`${op}: '${path}' holds no scheduler state`);
    inside('scheduler', () => into.scheduler!.loadStateDict(scheduler));
  }
  return checkpoint;
}
