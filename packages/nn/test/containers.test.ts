/**
 * Modules held in fields: plain arrays and objects are not registered (as in PyTorch) and are
 * reported; ModuleList and ModuleDict register theirs, typed by their element.
 */
import { type Tensor, tensor, ValueError, zeros } from '@tsgrad/core';
import { Linear, Module, ModuleDict, ModuleList, Parameter, ReLU, SGD } from '@tsgrad/nn';
import { describe, expect, expectTypeOf, it } from 'vitest';

abstract class Identityish extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}

describe('a module in a plain array, object or Map field', () => {
  class WithArray extends Identityish {
    layers = [new Linear(2, 2), new Linear(2, 1)];
  }
  class WithObject extends Identityish {
    heads = { cls: new Linear(2, 3) };
  }
  class WithMap extends Identityish {
    heads = new Map([['cls', new Linear(2, 3)]]);
  }
  class WithParamArray extends Identityish {
    ws = [new Parameter(zeros([2]))];
  }
  class Outer extends Identityish {
    inner = new WithObject();
  }

  it('is reported by parameters() and stateDict(), naming the class, the field and the fix', () => {
    const m = new WithArray();
    expect(() => m.parameters()).toThrow(
      new ValueError(
        'parameters: WithArray.layers is a plain array holding modules, which are not registered ' +
          '(their parameters would be missed by optimizers and stateDict); ' +
          'use a ModuleList: this.layers = new ModuleList([...])',
      ),
    );
    expect(() => m.stateDict()).toThrow(/^stateDict: WithArray\.layers is a plain array holding modules/);
  });

  it('suggests a ModuleDict for a plain object or a Map', () => {
    expect(() => new WithObject().stateDict()).toThrow(
      /^stateDict: WithObject\.heads is a plain object holding modules, .*use a ModuleDict: this\.heads = new ModuleDict\(\{\.\.\.\}\)$/,
    );
    expect(() => new WithMap().parameters()).toThrow(/^parameters: WithMap\.heads is a Map holding modules/);
  });

  it('reports parameters in an array too', () => {
    expect(() => new WithParamArray().parameters()).toThrow(
      /^parameters: WithParamArray\.ws is a plain array holding parameters, .*registerParameter\(name, p\)$/,
    );
  });

  it('is found in a nested module, and by every way of listing members', () => {
    const m = new Outer();
    expect(() => m.namedParameters()).toThrow(/^namedParameters: WithObject\.heads/);
    expect(() => m.loadStateDict({})).toThrow(/^loadStateDict: WithObject\.heads/);
    expect(() => m.zeroGrad()).toThrow(/^zeroGrad: WithObject\.heads/);
    expect(() => m.modules()).toThrow(/^modules: WithObject\.heads/);
    expect(() => m.eval()).toThrow(/^train: WithObject\.heads/);
    expect(() => new SGD(m.parameters(), { lr: 0.1 })).toThrow(ValueError);
  });

  it('plain arrays and objects of other things are fine', () => {
    class Fine extends Identityish {
      sizes = [1, 2];
      options = { stride: 2, nested: { a: [1] } };
      names = new Map([['a', 1]]);
      lin = new Linear(1, 1);
    }
    expect(new Fine().namedParameters().map(([n]) => n)).toEqual(['lin.weight', 'lin.bias']);
  });
});

describe('ModuleList', () => {
  it('registers its modules as field.i, and types them by element', () => {
    class Net extends Identityish {
      layers = new ModuleList([new Linear(2, 3), new Linear(3, 1)]);
    }
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
    ]);
    expectTypeOf(net.layers).toEqualTypeOf<ModuleList<Linear>>();
    expectTypeOf(net.layers.at(0)).toEqualTypeOf<Linear>();
    const features: number[] = [];
    for (const layer of net.layers) {
      expectTypeOf(layer).toEqualTypeOf<Linear>();
      features.push(layer.outFeatures);
    }
    expect(features).toEqual([3, 1]);
    expect(net.layers.at(-1).inFeatures).toBe(3);
    expect(net.layers[1]!.weight.shape).toEqual([1, 3]);
  });

  it('extend() appends in order; a mixed list is a ModuleList<Module>', () => {
    const list = new ModuleList<Module>([new ReLU()]).extend([new Linear(1, 1), new ReLU()]);
    expect(list.length).toBe(3);
    expect(list.namedChildren().map(([n, m]) => `${n}:${m.constructor.name}`)).toEqual([
      '0:ReLU',
      '1:Linear',
      '2:ReLU',
    ]);
  });
});

describe('ModuleDict', () => {
  it('registers its modules under their keys, in insertion order (state-dict keys name.key.weight)', () => {
    class Net extends Identityish {
      trunk = new Linear(2, 2);
      // Pairs keep the given order; an object literal would list the integer-like key '1' first.
      heads = new ModuleDict([
        ['zeta', new Linear(2, 3)],
        ['1', new Linear(2, 1)],
        ['alpha', new Linear(2, 2, { bias: false })],
      ]);
    }
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual([
      'trunk.weight',
      'trunk.bias',
      'heads.zeta.weight',
      'heads.zeta.bias',
      'heads.1.weight',
      'heads.1.bias',
      'heads.alpha.weight',
    ]);
    expect(net.heads.keys()).toEqual(['zeta', '1', 'alpha']);
    expect(net.numParameters()).toBe(6 + 9 + 3 + 4);
    expect(net.toString()).toContain('(heads): ModuleDict(\n    (zeta): Linear(');
  });

  it('get, set, has, delete, size and iteration behave as a Map of modules', () => {
    const a = new Linear(2, 2);
    const b = new Linear(2, 1);
    const dict = new ModuleDict<Linear>([['a', a]]);
    expectTypeOf(dict.get('a')).toEqualTypeOf<Linear>();
    expect(dict.set('b', b)).toBe(dict);
    expect(dict.size).toBe(2);
    expect(dict.has('b') && !dict.has('c')).toBe(true);
    expect([...dict].map(([k, m]) => [k, m.outFeatures])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    const replacement = new Linear(2, 5);
    dict.set('a', replacement);
    expect(dict.keys()).toEqual(['a', 'b']);
    expect(dict.get('a')).toBe(replacement);
    expect(dict.delete('a')).toBe(replacement);
    expect(dict.keys()).toEqual(['b']);
    expect(dict.parameters()).toEqual([b.weight, b.bias]);
    expect(dict.values()).toEqual([b]);
    dict.clear();
    expect(dict.size).toBe(0);
    expect(dict.parameters()).toEqual([]);
  });

  it('loads a state dict by its keys', () => {
    const dict = new ModuleDict({ fc: new Linear(1, 1, { dtype: 'float64' }) });
    dict.loadStateDict({
      'fc.weight': tensor([[2]], { dtype: 'float64' }),
      'fc.bias': tensor([1], { dtype: 'float64' }),
    });
    expect(
      dict
        .get('fc')
        .call(tensor([[3]], { dtype: 'float64' }))
        .item(),
    ).toBe(7);
  });

  it('rejects an unknown key, a key that clashes with a member, a dotted key and a non-module', () => {
    const dict = new ModuleDict({ a: new ReLU() });
    expect(() => dict.get('b')).toThrow(
      new ValueError("ModuleDict.get: no module under key 'b' (keys: 'a')"),
    );
    expect(() => dict.set('training', new ReLU())).toThrow(/key 'training' clashes with a member/);
    expect(() => dict.set('get', new ReLU())).toThrow(ValueError);
    expect(() => dict.set('a.b', new ReLU())).toThrow(ValueError);
    expect(() => dict.set('x', 3 as unknown as ReLU)).toThrow(/expected a Module/);
    expect(() => dict.forward()).toThrow(/has no forward/);
    expect(dict.keys()).toEqual(['a']);
  });
});
