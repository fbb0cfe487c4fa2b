/**
 * Recurrent layers, as `torch.nn.RNN`, `LSTM`, `GRU` and their cells: parameters named and ordered
 * as PyTorch's state dict (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `_reverse`,
 * `weight_hr_l0`), so PyTorch checkpoints load with `loadStateDict(dict, { strict: true })`.
 *
 * Each layer and direction loops over the time steps in TypeScript; a step is a few tensor ops (the
 * input projection, the hidden projection, the gates). The steps stay separate tensors between
 * layers: projecting all steps with one matmul and slicing the result per step was measured slower,
 * since each slice's gradient is a zero tensor of the whole sequence's shape (O(L²) backward).
 */
import {
  add,
  cat,
  type DType,
  fmtShape,
  type Generator,
  mul,
  relu,
  ShapeError,
  sigmoid,
  stack,
  sub,
  type Tensor,
  tanh,
  ValueError,
  zeros,
} from '@tsgrad/core';
import { dropout, linear } from '../functional/index.js';
import { uniform } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { asLayer, checkInputDType } from './checks.js';

/** The recurrence of a layer: RNN with tanh or relu, LSTM or GRU. */
type Mode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Options shared by `RNN`, `LSTM` and `GRU`. */
export interface RNNBaseOptions {
  /** Number of stacked layers (default 1). */
  numLayers?: number;
  /** Learn the biases `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of each layer but the last, in training (default 0). */
  dropout?: number;
  /** Run a second pass over the reversed sequence and concatenate (default false). */
  bidirectional?: boolean;
  /** Element type of the weights (default float32). */
  dtype?: DType;
  /** Source of the initial weights and of the dropout masks (default: the global generator). */
  generator?: Generator;
}

/** Options of `RNN`. */
export interface RNNOptions extends RNNBaseOptions {
  /** The non-linearity, 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Options of `LSTM`. */
export interface LSTMOptions extends RNNBaseOptions {
  /** When > 0, the hidden state is projected to this size by `weight_hr` (default 0). */
  projSize?: number;
}

/** Options of `RNNCell`, `LSTMCell` and `GRUCell`. */
export interface RNNCellOptions {
  /** Learn the biases (default true). */
  bias?: boolean;
  /** The non-linearity of `RNNCell`, 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
  /** Element type of the weights (default float32). */
  dtype?: DType;
  /** Source of the initial weights (default: the global generator). */
  generator?: Generator;
}

function gateMultiplier(mode: Mode): number {
  return mode === 'LSTM' ? 4 : mode === 'GRU' ? 3 : 1;
}

function checkSize(layer: string, name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValueError(`${layer}: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
}

/** The weights of one layer and direction for one time step. */
interface StepWeights {
  wHh: Tensor;
  bHh: Tensor | null;
  wHr: Tensor | null;
}

/**
 * One step of the recurrence, given the input projection `xi` (x·W_ihᵀ + b_ih) of this step and the
 * previous state; returns the new hidden state (and, for LSTM, the new cell state).
 */
function cellStep(
  mode: Mode,
  xi: Tensor,
  h: Tensor,
  c: Tensor | null,
  w: StepWeights,
): [Tensor, Tensor | null] {
  const hh = linear(h, w.wHh, w.bHh);
  if (mode === 'RNN_TANH') return [tanh(add(xi, hh)), null];
  if (mode === 'RNN_RELU') return [relu(add(xi, hh)), null];
  if (mode === 'LSTM') {
    const [i, f, g, o] = add(xi, hh).chunk(4, -1) as [Tensor, Tensor, Tensor, Tensor];
    const cNext = add(mul(sigmoid(f), c!), mul(sigmoid(i), tanh(g)));
    let hNext = mul(sigmoid(o), tanh(cNext));
    if (w.wHr !== null) hNext = linear(hNext, w.wHr);
    return [hNext, cNext];
  }
  const [xr, xz, xn] = xi.chunk(3, -1) as [Tensor, Tensor, Tensor];
  const [hr, hz, hn] = hh.chunk(3, -1) as [Tensor, Tensor, Tensor];
  const r = sigmoid(add(xr, hr));
  const z = sigmoid(add(xz, hz));
  const n = tanh(add(xn, mul(r, hn)));
  // h' = (1 − z)·n + z·h = n + z·(h − n)
  return [add(n, mul(z, sub(h, n))), null];
}

/**
 * Base class of `RNN`, `LSTM` and `GRU` (as `torch.nn.RNNBase`).
 *
 * @example
 * const rnns: RNNBase[] = [new RNN(8, 16), new LSTM(8, 16), new GRU(8, 16, { numLayers: 2 })];
 * rnns.map((r) => r.hiddenSize * r.numLayers); // [16, 16, 32]
 */
export abstract class RNNBase extends Module {
  /** Features of the input. */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** Whether the biases exist. */
  readonly bias: boolean;
  /** Whether input and output are batch-first. */
  readonly batchFirst: boolean;
  /** Dropout probability between layers. */
  readonly dropout: number;
  /** Whether the layer runs in both directions. */
  readonly bidirectional: boolean;
  /** Size of the projected hidden state (LSTM), 0 when none. */
  readonly projSize: number;
  readonly #mode: Mode;
  readonly #generator: Generator | undefined;

  protected constructor(
    mode: Mode,
    inputSize: number,
    hiddenSize: number,
    options: RNNBaseOptions & { projSize?: number },
  ) {
    super();
    const name = new.target.name;
    checkSize(name, 'inputSize', inputSize, 0);
    checkSize(name, 'hiddenSize', hiddenSize, 1);
    const numLayers = options.numLayers ?? 1;
    checkSize(name, 'numLayers', numLayers, 1);
    const projSize = options.projSize ?? 0;
    checkSize(name, 'projSize', projSize, 0);
    if (projSize >= hiddenSize && projSize > 0) {
      throw new ValueError(`${name}: projSize (${projSize}) must be smaller than hiddenSize (${hiddenSize})`);
    }
    const p = options.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new ValueError(`${name}: dropout must be a number in [0, 1], got ${String(p)}`);
    }
    this.#mode = mode;
    this.#generator = options.generator;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = p;
    this.bidirectional = options.bidirectional ?? false;
    this.projSize = projSize;
    const dtype = options.dtype ?? 'float32';
    const gateSize = gateMultiplier(mode) * hiddenSize;
    const realHidden = projSize > 0 ? projSize : hiddenSize;
    const directions = this.bidirectional ? 2 : 1;
    const params: Parameter[] = [];
    const addParam = (key: string, shape: number[]): void => {
      params.push(this.registerParameter(key, new Parameter(zeros(shape, { dtype }))));
    };
    for (let layer = 0; layer < numLayers; layer++) {
      for (let dir = 0; dir < directions; dir++) {
        const layerInput = layer === 0 ? inputSize : realHidden * directions;
        const suffix = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
        addParam(`weight_ih${suffix}`, [gateSize, layerInput]);
        addParam(`weight_hh${suffix}`, [gateSize, realHidden]);
        if (this.bias) {
          addParam(`bias_ih${suffix}`, [gateSize]);
          addParam(`bias_hh${suffix}`, [gateSize]);
        }
        if (projSize > 0) addParam(`weight_hr${suffix}`, [projSize, hiddenSize]);
      }
    }
    const bound = 1 / Math.sqrt(hiddenSize);
    for (const param of params) uniform(param, -bound, bound, { generator: options.generator });
  }

  /** The parameter of this layer registered under a PyTorch name, e.g. `weight_ih_l0_reverse`. */
  protected parameterNamed(key: string): Parameter | null {
    const value = (this as unknown as Record<string, unknown>)[key];
    return value instanceof Parameter ? value : null;
  }

  #weights(layer: number, dir: number): { wIh: Tensor; bIh: Tensor | null } & StepWeights {
    const suffix = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
    return {
      wIh: this.parameterNamed(`weight_ih${suffix}`)!,
      bIh: this.parameterNamed(`bias_ih${suffix}`),
      wHh: this.parameterNamed(`weight_hh${suffix}`)!,
      bHh: this.parameterNamed(`bias_hh${suffix}`),
      wHr: this.parameterNamed(`weight_hr${suffix}`),
    };
  }

  /** Checks one initial state: `[D·numLayers, N, size]` (or without N when unbatched). */
  #checkState(what: string, state: Tensor, batch: number | null, size: number): void {
    const name = this.constructor.name;
    const layers = this.numLayers * (this.bidirectional ? 2 : 1);
    const expected = batch === null ? [layers, size] : [layers, batch, size];
    checkInputDType(name, state, this.parameterNamed('weight_ih_l0')!.dtype, 'weights');
    if (state.ndim !== expected.length || state.shape.some((d, i) => d !== expected[i])) {
      throw new ShapeError(
        `${name}: ${what} has shape ${fmtShape(state.shape)}, expected ${fmtShape(expected)}` +
          (batch === null ? ' for an unbatched input' : ''),
      );
    }
  }

  /**
   * Runs the layer over `input` ([L, N, inputSize], [N, L, inputSize] with `batchFirst`, or
   * [L, inputSize] unbatched) from the initial state (zeros when absent). Returns the output of
   * the last layer at every step and the final states of every layer and direction.
   */
  protected run(input: Tensor, h0: Tensor | null, c0: Tensor | null): [Tensor, Tensor, Tensor | null] {
    const name = this.constructor.name;
    const mode = this.#mode;
    const dtype = this.parameterNamed('weight_ih_l0')!.dtype;
    checkInputDType(name, input, dtype);
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(
        `${name}: input of shape ${fmtShape(input.shape)} should be [seq, batch, ${this.inputSize}]` +
          `${this.batchFirst ? ' (batchFirst: [batch, seq, features])' : ''} or [seq, ${this.inputSize}] unbatched`,
      );
    }
    const batched = input.ndim === 3;
    const directions = this.bidirectional ? 2 : 1;
    const realHidden = this.projSize > 0 ? this.projSize : this.hiddenSize;
    let x = batched ? (this.batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
    const seq = x.shape[0]!;
    const batch = x.shape[1]!;
    if (seq === 0) throw new ShapeError(`${name}: input of shape ${fmtShape(input.shape)} has no time steps`);
    if (h0 !== null) this.#checkState(mode === 'LSTM' ? 'h0' : 'hx', h0, batched ? batch : null, realHidden);
    if (c0 !== null) this.#checkState('c0', c0, batched ? batch : null, this.hiddenSize);
    const h0b = h0 === null ? null : batched ? h0 : h0.unsqueeze(1);
    const c0b = c0 === null ? null : batched ? c0 : c0.unsqueeze(1);
    return asLayer(name, () => {
      const hN: Tensor[] = [];
      const cN: Tensor[] = [];
      // The layer's input at each step. Steps are kept as separate tensors between layers: slicing
      // one [L, N, ·] tensor per step would cost O(L²) in the backward pass (each slice's gradient
      // is a zero tensor of the full shape).
      let inputs = Array.from({ length: seq }, (_, t) => x.select(0, t));
      for (let layer = 0; layer < this.numLayers; layer++) {
        const outputs: Tensor[][] = [];
        for (let dir = 0; dir < directions; dir++) {
          const w = this.#weights(layer, dir);
          const index = layer * directions + dir;
          let h =
            h0b === null ? zeros([batch, realHidden], { dtype, device: x.device }) : h0b.select(0, index);
          let c: Tensor | null =
            mode !== 'LSTM'
              ? null
              : c0b === null
                ? zeros([batch, this.hiddenSize], { dtype, device: x.device })
                : c0b.select(0, index);
          const steps: Tensor[] = new Array<Tensor>(seq);
          for (let s = 0; s < seq; s++) {
            const t = dir === 0 ? s : seq - 1 - s;
            [h, c] = cellStep(mode, linear(inputs[t]!, w.wIh, w.bIh), h, c, w);
            steps[t] = h;
          }
          outputs.push(steps);
          hN.push(h);
          if (c !== null) cN.push(c);
        }
        inputs = directions === 1 ? outputs[0]! : outputs[0]!.map((hf, t) => cat([hf, outputs[1]![t]!], 1));
        if (this.dropout > 0 && layer < this.numLayers - 1) {
          inputs = inputs.map((step) => dropout(step, this.dropout, this.training, this.#generator));
        }
      }
      x = stack(inputs, 0);
      let output = x;
      let hOut = stack(hN, 0);
      let cOut = mode === 'LSTM' ? stack(cN, 0) : null;
      if (!batched) {
        output = output.squeeze(1);
        hOut = hOut.squeeze(1);
        cOut = cOut === null ? null : cOut.squeeze(1);
      } else if (this.batchFirst) output = output.transpose(0, 1);
      return [output, hOut, cOut];
    });
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}`, `${this.hiddenSize}`];
    if (this.projSize !== 0) parts.push(`projSize=${this.projSize}`);
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (this.#mode === 'RNN_RELU') parts.push(`nonlinearity='relu'`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}

/**
 * Elman RNN, as `torch.nn.RNN`: hₜ = tanh(xₜ·W_ihᵀ + b_ih + hₜ₋₁·W_hhᵀ + b_hh) (or relu), stacked
 * `numLayers` deep. `forward(input, hx?)` returns `[output, hN]`.
 *
 * @example
 * const rnn = new RNN(10, 20, { numLayers: 2 });
 * const [output, hN] = rnn.call(randn([5, 3, 10])); // output [5, 3, 20], hN [2, 3, 20]
 */
export class RNN extends RNNBase {
  /** The non-linearity. */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
      throw new ValueError(`RNN: unknown nonlinearity '${String(nonlinearity)}' (expected 'tanh' or 'relu')`);
    }
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  /** Runs the RNN from `hx` (zeros when absent); returns the output of every step and the final state. */
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const [output, hN] = this.run(input, hx ?? null, null);
    return [output, hN];
  }
}

/**
 * Long short-term memory, as `torch.nn.LSTM` (gates i, f, g, o; `projSize` for LSTMP).
 * `forward(input, [h0, c0]?)` returns `[output, [hN, cN]]`.
 *
 * @example
 * const lstm = new LSTM(10, 20, { numLayers: 2 });
 * const [output, [hN, cN]] = lstm.call(randn([5, 3, 10]));
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  /** Runs the LSTM from `[h0, c0]` (zeros when absent); returns the output and `[hN, cN]`. */
  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new ValueError('LSTM: hx must be a pair [h0, c0]');
    }
    const [output, hN, cN] = this.run(input, hx?.[0] ?? null, hx?.[1] ?? null);
    return [output, [hN, cN!]];
  }
}

/**
 * Gated recurrent unit, as `torch.nn.GRU` (gates r, z, n). `forward(input, hx?)` returns `[output, hN]`.
 *
 * @example
 * const gru = new GRU(10, 20, { batchFirst: true });
 * const [output, hN] = gru.call(randn([3, 5, 10])); // output [3, 5, 20], hN [1, 3, 20]
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }

  /** Runs the GRU from `hx` (zeros when absent); returns the output of every step and the final state. */
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const [output, hN] = this.run(input, hx ?? null, null);
    return [output, hN];
  }
}

/**
 * Base class of the cells: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` as PyTorch's.
 *
 * @example
 * const cell: RNNCellBase = new GRUCell(8, 16);
 * cell.weight_ih.shape; // [48, 8]: 3 gates × 16 hidden, by 8 inputs
 */
export abstract class RNNCellBase extends Module {
  /** Weight of the input, [gates·hiddenSize, inputSize]. */
  readonly weight_ih: Parameter;
  /** Weight of the hidden state, [gates·hiddenSize, hiddenSize]. */
  readonly weight_hh: Parameter;
  /** Bias of the input, or null. */
  readonly bias_ih: Parameter | null;
  /** Bias of the hidden state, or null. */
  readonly bias_hh: Parameter | null;
  readonly #mode: Mode;

  protected constructor(
    mode: Mode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: RNNCellOptions,
  ) {
    super();
    const name = new.target.name;
    checkSize(name, 'inputSize', inputSize, 0);
    checkSize(name, 'hiddenSize', hiddenSize, 1);
    this.#mode = mode;
    const dtype = options.dtype ?? 'float32';
    const gates = gateMultiplier(mode) * hiddenSize;
    this.weight_ih = new Parameter(zeros([gates, inputSize], { dtype }));
    this.weight_hh = new Parameter(zeros([gates, hiddenSize], { dtype }));
    const bias = options.bias ?? true;
    this.bias_ih = bias ? new Parameter(zeros([gates], { dtype })) : null;
    this.bias_hh = bias ? new Parameter(zeros([gates], { dtype })) : null;
    const bound = 1 / Math.sqrt(hiddenSize);
    for (const p of this.parameters()) uniform(p, -bound, bound, { generator: options.generator });
  }

  /** One step from `input` ([N, inputSize] or [inputSize]) and the previous state(s). */
  protected cell(input: Tensor, h: Tensor | null, c: Tensor | null): [Tensor, Tensor | null] {
    const name = this.constructor.name;
    const dtype = this.weight_ih.dtype;
    checkInputDType(name, input, dtype);
    if ((input.ndim !== 1 && input.ndim !== 2) || input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(
        `${name}: input of shape ${fmtShape(input.shape)} should be [batch, ${this.inputSize}] or [${this.inputSize}]`,
      );
    }
    const batched = input.ndim === 2;
    const x = batched ? input : input.unsqueeze(0);
    const batch = x.shape[0]!;
    const expected = batched ? [batch, this.hiddenSize] : [this.hiddenSize];
    for (const [what, state] of [
      ['hx', h],
      ['cx', c],
    ] as const) {
      if (state === null) continue;
      checkInputDType(name, state, dtype);
      if (state.ndim !== expected.length || state.shape.some((d, i) => d !== expected[i])) {
        throw new ShapeError(
          `${name}: ${what} has shape ${fmtShape(state.shape)}, expected ${fmtShape(expected)}`,
        );
      }
    }
    const mode = this.#mode;
    return asLayer(name, () => {
      const hb =
        h === null
          ? zeros([batch, this.hiddenSize], { dtype, device: x.device })
          : batched
            ? h
            : h.unsqueeze(0);
      const cb =
        mode !== 'LSTM'
          ? null
          : c === null
            ? zeros([batch, this.hiddenSize], { dtype, device: x.device })
            : batched
              ? c
              : c.unsqueeze(0);
      const xi = linear(x, this.weight_ih, this.bias_ih);
      const [hNext, cNext] = cellStep(mode, xi, hb, cb, {
        wHh: this.weight_hh,
        bHh: this.bias_hh,
        wHr: null,
      });
      return batched ? [hNext, cNext] : [hNext.squeeze(0), cNext === null ? null : cNext.squeeze(0)];
    });
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih === null ? ', bias=false' : ''}`;
  }
}

/**
 * One step of an Elman RNN, as `torch.nn.RNNCell`: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh).
 *
 * @example
 * const cell = new RNNCell(10, 20);
 * const h = cell.call(randn([3, 10])); // [3, 20]
 */
export class RNNCell extends RNNCellBase {
  /** The non-linearity. */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
      throw new ValueError(
        `RNNCell: unknown nonlinearity '${String(nonlinearity)}' (expected 'tanh' or 'relu')`,
      );
    }
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  /** The next hidden state from `input` and `hx` (zeros when absent). */
  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.cell(input, hx ?? null, null)[0];
  }
}

/**
 * One step of an LSTM, as `torch.nn.LSTMCell`: `forward(input, [h, c]?)` returns `[h', c']`.
 *
 * @example
 * const cell = new LSTMCell(10, 20);
 * const [h, c] = cell.call(randn([3, 10]));
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: Omit<RNNCellOptions, 'nonlinearity'> = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  /** The next hidden and cell states from `input` and `[h, c]` (zeros when absent). */
  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new ValueError('LSTMCell: hx must be a pair [h, c]');
    }
    const [h, c] = this.cell(input, hx?.[0] ?? null, hx?.[1] ?? null);
    return [h, c!];
  }
}

/**
 * One step of a GRU, as `torch.nn.GRUCell`.
 *
 * @example
 * const cell = new GRUCell(10, 20);
 * const h = cell.call(randn([3, 10]), zeros([3, 20])); // [3, 20]
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: Omit<RNNCellOptions, 'nonlinearity'> = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }

  /** The next hidden state from `input` and `hx` (zeros when absent). */
  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.cell(input, hx ?? null, null)[0];
  }
}
