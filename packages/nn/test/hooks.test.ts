/** Module hooks with PyTorch's semantics: `call` runs them, `forward` alone does not. */
import { Generator, randn, type Tensor, tensor } from '@tsgrad/core';
import { Linear, Module, MultiheadAttention, ReLU, Sequential } from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

const f64 = 'float64' as const;

describe('forward pre-hooks and forward hooks', () => {
  it('run in registration order inside call, may replace the inputs and the output, and not in forward', () => {
    const lin = new Linear(2, 2, { dtype: f64, generator: new Generator(1) });
    const log: string[] = [];
    lin.registerForwardPreHook((_m, inputs) => {
      log.push('pre1');
      return (inputs[0] as Tensor).mul(2);
    });
    lin.registerForwardPreHook((m, inputs) => {
      log.push(`pre2 ${m === lin}`);
      return [inputs[0]];
    });
    lin.registerForwardHook((_m, inputs, output) => {
      log.push(`post ${(inputs[0] as Tensor).toFlatArray().join(',')}`);
      return (output as Tensor).add(100);
    });
    const x = tensor([1, 2], { dtype: f64 });
    const y = lin.call(x);
    expect(log).toEqual(['pre1', 'pre2 true', 'post 2,4']);
    expect(y.toFlatArray()).toEqual(lin.forward(x.mul(2)).add(100).toFlatArray());
    expect(log.length).toBe(3); // forward ran no hook
  });

  it('remove() unregisters a hook', () => {
    const relu = new ReLU();
    let calls = 0;
    const handle = relu.registerForwardHook(() => {
      calls++;
    });
    relu.call(tensor([1]));
    handle.remove();
    relu.call(tensor([1]));
    expect(calls).toBe(1);
  });

  it("Sequential runs its children's hooks", () => {
    const inner = new ReLU();
    const seq = new Sequential(new Linear(2, 2), inner);
    let seen: unknown = null;
    inner.registerForwardHook((_m, _inputs, output) => {
      seen = output;
    });
    const y = seq.call(randn([1, 2]));
    expect(seen).toBe(y);
  });
});

describe('full backward hooks', () => {
  it('see the gradients of the inputs and outputs, equal to the true gradients', () => {
    const g = new Generator(2);
    const lin = new Linear(3, 2, { dtype: f64, generator: g });
    const seen: { gradInput: (Tensor | null)[]; gradOutput: (Tensor | null)[] }[] = [];
    lin.registerFullBackwardHook((_m, gradInput, gradOutput) => {
      seen.push({ gradInput, gradOutput });
    });
    const x = randn([4, 3], { dtype: f64, generator: g, requiresGrad: true });
    const w = randn([4, 2], { dtype: f64, generator: g });
    lin.call(x).mul(w).sum().backward();
    expect(seen.length).toBe(1);
    expect(seen[0]!.gradOutput[0]!.toFlatArray()).toEqual(w.toFlatArray());
    const expected = w.matmul(lin.weight.detach()).toFlatArray();
    for (const got of [seen[0]!.gradInput[0]!, x.grad!]) {
      got.toFlatArray().forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i]!, 12);
      });
    }
  });

  it('may replace the input gradients', () => {
    const lin = new Linear(2, 2, { dtype: f64 });
    lin.registerFullBackwardHook((_m, gradInput) =>
      gradInput.map((gi) => (gi === null ? null : gi.mul(0).add(7))),
    );
    const x = randn([3, 2], { dtype: f64, requiresGrad: true });
    lin.call(x).sum().backward();
    expect(x.grad!.toFlatArray()).toEqual(Array(6).fill(7));
    // The parameters' gradients are untouched by the hook.
    expect(lin.bias!.grad!.toFlatArray()).toEqual([3, 3]);
  });

  it('give every tensor argument its gradient at once, and null for those that need none', () => {
    const mha = new MultiheadAttention(4, 2, { dtype: f64, generator: new Generator(3) });
    const q = randn([2, 1, 4], { dtype: f64, requiresGrad: true });
    const k = randn([3, 1, 4], { dtype: f64 });
    const v = randn([3, 1, 4], { dtype: f64, requiresGrad: true });
    let shapes: (number[] | null)[] = [];
    let outs = 0;
    mha.registerFullBackwardHook((_m, gradInput, gradOutput) => {
      shapes = gradInput.map((gi) => (gi === null ? null : [...gi.shape]));
      outs = gradOutput.filter((go) => go !== null).length;
    });
    const [out, weights] = mha.call(q, k, v);
    out.sum().add(weights!.sum()).backward();
    expect(shapes).toEqual([[2, 1, 4], null, [3, 1, 4]]);
    expect(outs).toBe(2);
    expect(q.grad!.shape).toEqual([2, 1, 4]);
  });

  it('run once even when no input requires a gradient (gradInput all null)', () => {
    const lin = new Linear(2, 2);
    let calls = 0;
    let inputs: (Tensor | null)[] = [];
    lin.registerFullBackwardHook((_m, gradInput) => {
      calls++;
      inputs = gradInput;
    });
    lin
      .call(randn([1, 2]))
      .sum()
      .backward();
    expect(calls).toBe(1);
    expect(inputs).toEqual([null]);
  });

  it('a hook returning the wrong number of gradients is an error naming the module', () => {
    const lin = new Linear(2, 2);
    lin.registerFullBackwardHook(() => []);
    const x = randn([1, 2], { requiresGrad: true });
    expect(() => lin.call(x).sum().backward()).toThrow(
      /registerFullBackwardHook: Linear's hook returned 0 gradients/,
    );
  });

  it('is not wired in by forward', () => {
    const lin = new Linear(2, 2);
    let calls = 0;
    lin.registerFullBackwardHook(() => {
      calls++;
    });
    const x = randn([1, 2], { requiresGrad: true });
    lin.forward(x).sum().backward();
    expect(calls).toBe(0);
  });
});

describe('a Module subclass can name its state like PyTorch', () => {
  it('stateKeys renames fields in stateDict, namedParameters, namedBuffers and namedModules', () => {
    class Block extends Module {
      static override readonly stateKeys = {
        selfAttn: 'self_attn',
        scale: 'scale_factor',
        stepCount: 'step_count',
      };
      readonly selfAttn = new Linear(2, 2);
      readonly scale = new (class extends Linear {})(1, 1);
      declare stepCount: Tensor;
      constructor() {
        super();
        this.registerBuffer('stepCount', tensor(0, { dtype: 'int32' }));
      }
      override forward(x: Tensor): Tensor {
        return this.selfAttn.call(x);
      }
    }
    const b = new Block();
    expect(Object.keys(b.stateDict())).toEqual([
      'step_count',
      'self_attn.weight',
      'self_attn.bias',
      'scale_factor.weight',
      'scale_factor.bias',
    ]);
    expect(b.namedModules().map(([n]) => n)).toEqual(['', 'self_attn', 'scale_factor']);
    expect(b.namedBuffers().map(([n]) => n)).toEqual(['step_count']);
    expect(b.toString()).toContain('(self_attn): Linear');
  });

  it("a subclass's stateKeys add to its base class's", () => {
    class Base extends Module {
      static override readonly stateKeys: Readonly<Record<string, string>> = { firstLayer: 'first_layer' };
      readonly firstLayer = new Linear(1, 1);
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    class Derived extends Base {
      static override readonly stateKeys = { secondLayer: 'second_layer' };
      readonly secondLayer = new Linear(1, 1);
    }
    expect(new Derived().namedModules().map(([n]) => n)).toEqual(['', 'first_layer', 'second_layer']);
  });
});
