import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, gradcheck, randn, ShapeError, type Tensor, ValueError } from '@tsgrad/core';
import { GRU, GRUCell, LSTM, LSTMCell, loadSafetensors, type Module, RNN, RNNCell } from '@tsgrad/nn';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const refDir = join(__dirname, 'reference');
const reference = loadSafetensors(join(refDir, 'recurrent_reference.safetensors')).tensors;

interface Case {
  name: string;
  class: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  inputSize: number;
  hiddenSize: number;
  options: Record<string, unknown>;
  stateDictKeys: string[];
  outputs: string[];
  states: string[];
}
const cases = (
  JSON.parse(readFileSync(join(refDir, 'recurrent_reference.json'), 'utf8')) as { cases: Case[] }
).cases;

function build(c: Case): Module {
  const o = { ...c.options, dtype: 'float64' as const };
  switch (c.class) {
    case 'RNN':
      return new RNN(c.inputSize, c.hiddenSize, o);
    case 'LSTM':
      return new LSTM(c.inputSize, c.hiddenSize, o);
    case 'GRU':
      return new GRU(c.inputSize, c.hiddenSize, o);
    case 'RNNCell':
      return new RNNCell(c.inputSize, c.hiddenSize, o);
    case 'LSTMCell':
      return new LSTMCell(c.inputSize, c.hiddenSize, o);
    case 'GRUCell':
      return new GRUCell(c.inputSize, c.hiddenSize, o);
  }
}

/** Runs a module of any of the six classes; returns its outputs by name (output, hN, cN). */
function run(c: Case, module: Module, x: Tensor, states: Tensor[]): Record<string, Tensor> {
  const lstm = c.class.startsWith('LSTM');
  const hx =
    states.length === 0 ? undefined : lstm ? ([states[0]!, states[1]!] as [Tensor, Tensor]) : states[0]!;
  if (c.class.endsWith('Cell')) {
    if (lstm) {
      const [h, cc] = (module as LSTMCell).forward(x, hx as [Tensor, Tensor] | undefined);
      return { hN: h, cN: cc };
    }
    return { hN: (module as RNNCell).forward(x, hx as Tensor | undefined) };
  }
  if (lstm) {
    const [output, [h, cc]] = (module as LSTM).forward(x, hx as [Tensor, Tensor] | undefined);
    return { output, hN: h, cN: cc };
  }
  const [output, h] = (module as RNN).forward(x, hx as Tensor | undefined);
  return { output, hN: h };
}

function ref(key: string): Tensor {
  const t = reference[key];
  if (t === undefined) throw new Error(`no reference tensor '${key}'`);
  return t;
}

function expectClose(actual: Tensor, expected: Tensor, what: string): void {
  expect(actual.shape, what).toEqual(expected.shape);
  const a = actual.toFlatArray();
  const e = expected.toFlatArray();
  a.forEach((v, i) => {
    const tol = 1e-6 * Math.max(1, Math.abs(e[i]!));
    if (!(Math.abs(v - e[i]!) <= tol)) throw new Error(`${what}[${i}]: ${v} vs PyTorch ${e[i]}`);
  });
}

describe('recurrent layers against PyTorch 1.13 (float64)', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.class} ${JSON.stringify(c.options)} — state-dict keys, outputs and every gradient`, () => {
      const module = build(c);
      expect(Object.keys(module.stateDict())).toEqual(c.stateDictKeys);
      const dict: Record<string, Tensor> = {};
      for (const key of c.stateDictKeys) dict[key] = ref(`${c.name}/param/${key}`);
      module.loadStateDict(dict, { strict: true });
      const x = ref(`${c.name}/input`).clone().requiresGrad_();
      const states = c.states.map((s) => ref(`${c.name}/${s}`).clone().requiresGrad_());
      const outs = run(c, module, x, states);
      expect(Object.keys(outs)).toEqual(c.outputs);
      let loss: Tensor | null = null;
      for (const [key, value] of Object.entries(outs)) {
        expectClose(value, ref(`${c.name}/${key}`), key);
        const term = value.mul(ref(`${c.name}/g${key === 'output' ? 'out' : key}`)).sum();
        loss = loss === null ? term : loss.add(term);
      }
      loss!.backward();
      expectClose(x.grad!, ref(`${c.name}/grad/input`), 'grad input');
      c.states.forEach((s, i) => {
        expectClose(states[i]!.grad!, ref(`${c.name}/grad/${s}`), `grad ${s}`);
      });
      for (const [key, p] of module.namedParameters()) {
        expectClose(p.grad!, ref(`${c.name}/grad/${key}`), `grad ${key}`);
      }
    });
  }
});

describe('recurrent layers: shapes, options and errors', () => {
  it('LSTM with projSize names weight_hr after the biases, in PyTorch order, with the _reverse suffix', () => {
    const lstm = new LSTM(3, 5, { projSize: 2, bidirectional: true });
    expect(Object.keys(lstm.stateDict())).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_hr_l0',
      'weight_ih_l0_reverse',
      'weight_hh_l0_reverse',
      'bias_ih_l0_reverse',
      'bias_hh_l0_reverse',
      'weight_hr_l0_reverse',
    ]);
    expect(lstm.stateDict().weight_hh_l0!.shape).toEqual([20, 2]);
    const [out, [h, c]] = lstm.forward(randn([4, 2, 3]));
    expect(out.shape).toEqual([4, 2, 4]);
    expect(h.shape).toEqual([2, 2, 2]);
    expect(c.shape).toEqual([2, 2, 5]);
  });

  it('initialises every parameter in U(−1/√hidden, 1/√hidden), reproducibly from a generator', () => {
    const a = new GRU(3, 16, { numLayers: 2, generator: new Generator(5) });
    const b = new GRU(3, 16, { numLayers: 2, generator: new Generator(5) });
    for (const p of a.parameters())
      for (const v of p.toFlatArray()) expect(Math.abs(v)).toBeLessThanOrEqual(0.25);
    expect(a.parameters().map((p) => p.toFlatArray())).toEqual(b.parameters().map((p) => p.toFlatArray()));
  });

  it('dropout between layers acts in training only', () => {
    const gru = new GRU(3, 4, { numLayers: 2, dropout: 0.5, dtype: 'float64', generator: new Generator(1) });
    const x = randn([5, 2, 3], { dtype: 'float64', generator: new Generator(2) });
    const evalOut = gru.eval().forward(x)[0].toFlatArray();
    expect(gru.eval().forward(x)[0].toFlatArray()).toEqual(evalOut);
    expect(gru.train().forward(x)[0].toFlatArray()).not.toEqual(evalOut);
  });

  it('names the layer and the shapes on bad input or initial state', () => {
    const lstm = new LSTM(3, 4, { numLayers: 2 });
    expect(() => lstm.forward(randn([5, 2, 7]))).toThrow(ShapeError);
    expect(() => lstm.forward(randn([5, 2, 7]))).toThrow(/^LSTM: input of shape \[5,2,7\]/);
    expect(() => lstm.forward(randn([5, 2, 3]), [randn([1, 2, 4]), randn([2, 2, 4])])).toThrow(
      /LSTM: h0 has shape \[1,2,4\], expected \[2,2,4\]/,
    );
    expect(() => new RNN(3, 4, { nonlinearity: 'gelu' as 'relu' })).toThrow(ValueError);
    expect(() => new LSTM(3, 4, { projSize: 4 })).toThrow(/projSize/);
    expect(() => new GRUCell(3, 4).forward(randn([2, 3]), randn([2, 5]))).toThrow(/GRUCell: hx has shape/);
  });
});

describe('recurrent layers: state dicts', () => {
  it('stateDict → loadStateDict round trips bit-exact; a missing, extra or wrong-shape key is named', () => {
    const a = new LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2, generator: new Generator(1) });
    const b = new LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2, generator: new Generator(2) });
    b.loadStateDict(a.stateDict(), { strict: true });
    const flat = (m: LSTM) => Object.values(m.stateDict()).map((t) => Array.from(t.toTypedArray()));
    expect(flat(b)).toEqual(flat(a));
    const { weight_hr_l1_reverse: _dropped, ...missing } = a.stateDict();
    expect(() => b.loadStateDict(missing)).toThrow(/missing keys 'weight_hr_l1_reverse'/);
    expect(() => b.loadStateDict({ ...a.stateDict(), weight_hr_l2: randn([2, 4]) })).toThrow(
      /unexpected keys 'weight_hr_l2'/,
    );
    expect(() => b.loadStateDict({ ...a.stateDict(), bias_ih_l1: randn([4]) })).toThrow(
      /shape mismatch for 'bias_ih_l1'/,
    );
  });
});

describe('recurrent layers: gradcheck on random small shapes (float64)', () => {
  const config = fc.record({
    seq: fc.integer({ min: 1, max: 3 }),
    batch: fc.integer({ min: 1, max: 2 }),
    input: fc.integer({ min: 1, max: 3 }),
    hidden: fc.integer({ min: 1, max: 3 }),
    layers: fc.integer({ min: 1, max: 2 }),
    bidirectional: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1000 }),
  });

  const kinds = ['RNN', 'LSTM', 'GRU'] as const;
  for (const kind of kinds) {
    it(`${kind}: input, initial state and every parameter${kind === 'LSTM' ? ' (with and without projSize)' : ''}`, () => {
      fc.assert(
        fc.property(
          config,
          fc.integer({ min: 0, max: 2 }),
          ({ seq, batch, input, hidden, layers, bidirectional, seed }, projChoice) => {
            const generator = new Generator(seed);
            const projSize = kind === 'LSTM' && projChoice < hidden ? projChoice : 0;
            const o = { numLayers: layers, bidirectional, projSize, dtype: 'float64' as const, generator };
            const module =
              kind === 'RNN'
                ? new RNN(input, hidden, o)
                : kind === 'LSTM'
                  ? new LSTM(input, hidden, o)
                  : new GRU(input, hidden, o);
            const x = randn([seq, batch, input], { dtype: 'float64', generator }).requiresGrad_();
            const d = (bidirectional ? 2 : 1) * layers;
            const real = projSize > 0 ? projSize : hidden;
            const h0 = randn([d, batch, real], { dtype: 'float64', generator }).requiresGrad_();
            const c0 = randn([d, batch, hidden], { dtype: 'float64', generator }).requiresGrad_();
            const params = module.parameters();
            if (module instanceof LSTM) {
              const fn = (...args: Tensor[]): Tensor[] => {
                const [out, [h, c]] = module.forward(args[0]!, [args[1]!, args[2]!]);
                return [out, h, c];
              };
              return gradcheck(fn, [x, h0, c0, ...params], { seed });
            }
            const fn = (...args: Tensor[]): Tensor[] => (module as RNN).forward(args[0]!, args[1]!);
            return gradcheck(fn, [x, h0, ...params], { seed });
          },
        ),
        { numRuns: 8 },
      );
    });
  }

  it('the cells: input, state and parameters', () => {
    const generator = new Generator(7);
    const x = randn([2, 3], { dtype: 'float64', generator }).requiresGrad_();
    const h = randn([2, 4], { dtype: 'float64', generator }).requiresGrad_();
    const c = randn([2, 4], { dtype: 'float64', generator }).requiresGrad_();
    const rnn = new RNNCell(3, 4, { dtype: 'float64', generator });
    const lstm = new LSTMCell(3, 4, { dtype: 'float64', generator });
    const gru = new GRUCell(3, 4, { dtype: 'float64', generator });
    expect(gradcheck((a, b) => rnn.forward(a!, b!), [x, h])).toBe(true);
    expect(gradcheck((a, b, cc) => lstm.forward(a!, [b!, cc!]), [x, h, c])).toBe(true);
    expect(gradcheck((a, b) => gru.forward(a!, b!), [x, h])).toBe(true);
    expect(gradcheck((...ps) => gru.forward(x.detach(), h.detach()).mul(ps.length), gru.parameters())).toBe(
      true,
    );
  });
});
