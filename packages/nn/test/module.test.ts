import {
  DTypeError,
  Generator,
  ones,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import {
  Dropout,
  Linear,
  Module,
  ModuleList,
  Parameter,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

class Block extends Module {
  fc1: Linear;
  act = new ReLU();
  fc2: Linear;
  constructor(g: Generator) {
    super();
    this.fc1 = new Linear(3, 4, { generator: g });
    this.fc2 = new Linear(4, 3, { generator: g });
  }
  override forward(x: Tensor): Tensor {
    return this.fc2.call(this.act.call(this.fc1.call(x)));
  }
}

class Net extends Module {
  scale = new Parameter(ones([1]));
  blocks: ModuleList<Block>;
  head: Sequential;
  constructor(seed = 0) {
    super();
    const g = new Generator(seed);
    this.blocks = new ModuleList([new Block(g), new Block(g)]);
    this.head = new Sequential(new Linear(3, 2, { generator: g }), new Tanh());
  }
  override forward(x: Tensor): Tensor {
    let h = x;
    for (const b of this.blocks) h = b.call(h);
    return this.head.call(h).mul(this.scale);
  }
}

/** The article's MNIST network. */
function mnistNet(): Sequential {
  return new Sequential(
    new Linear(784, 50),
    new Sigmoid(),
    new Linear(50, 100),
    new Sigmoid(),
    new Linear(100, 10),
  );
}

describe('Module parameter discovery', () => {
  it('names every parameter of nested modules with dots, own parameters first', () => {
    const names = new Net().namedParameters().map(([n]) => n);
    expect(names).toEqual([
      'scale',
      'blocks.0.fc1.weight',
      'blocks.0.fc1.bias',
      'blocks.0.fc2.weight',
      'blocks.0.fc2.bias',
      'blocks.1.fc1.weight',
      'blocks.1.fc1.bias',
      'blocks.1.fc2.weight',
      'blocks.1.fc2.bias',
      'head.0.weight',
      'head.0.bias',
    ]);
  });

  it('parameters() are the Parameter objects of namedParameters(), in order', () => {
    const net = new Net();
    const named = net.namedParameters();
    expect(net.parameters()).toEqual(named.map(([, p]) => p));
    expect(net.blocks[1]!.fc2.bias).toBe(named[8]![1]);
    expect(net.parameters(false)).toEqual([net.scale]);
  });

  it('lists a parameter shared by two modules once, under its first name', () => {
    class Tied extends Module {
      enc = new Linear(3, 3);
      dec = this.enc;
      extra = new Parameter(zeros([2]));
      alias = this.extra;
      override forward(x: Tensor): Tensor {
        return this.dec.call(this.enc.call(x));
      }
    }
    const m = new Tied();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['extra', 'enc.weight', 'enc.bias']);
    expect(m.numParameters()).toBe(9 + 3 + 2);
    expect(m.modules()).toHaveLength(2);
    expect(m.children()).toEqual([m.enc]);
  });

  it('walks children and modules in field order, the root named ""', () => {
    const net = new Net();
    expect(net.namedChildren().map(([n]) => n)).toEqual(['blocks', 'head']);
    expect(net.namedModules().map(([n]) => n)).toEqual([
      '',
      'blocks',
      'blocks.0',
      'blocks.0.fc1',
      'blocks.0.act',
      'blocks.0.fc2',
      'blocks.1',
      'blocks.1.fc1',
      'blocks.1.act',
      'blocks.1.fc2',
      'head',
      'head.0',
      'head.1',
    ]);
    expect(net.modules()[0]).toBe(net);
  });

  it('ignores fields that are plain tensors, numbers or arrays of other things', () => {
    class M extends Module {
      cache = randn([2]);
      sizes = [1, 2];
      lin = new Linear(1, 1);
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(new M().namedParameters().map(([n]) => n)).toEqual(['lin.weight', 'lin.bias']);
  });

  it("counts the article's 784-50-100-10 network as 45,360 parameters", () => {
    expect(mnistNet().numParameters()).toBe(45_360);
  });

  it('counts only trainable parameters when asked, after freezing a part', () => {
    const net = mnistNet();
    net.at(0).requiresGrad_(false);
    expect(net.numParameters(true)).toBe(45_360 - (784 * 50 + 50));
    expect(net.numParameters()).toBe(45_360);
  });

  it('call(...) passes its arguments to forward and returns its result', () => {
    class Scaled extends Module {
      lin = new Linear(2, 1, { dtype: 'float64' });
      override forward(x: Tensor, scale: number): Tensor {
        return this.lin.call(x).mul(scale);
      }
    }
    const m = new Scaled();
    m.loadStateDict({
      'lin.weight': tensor([[3, -1]], { dtype: 'float64' }),
      'lin.bias': tensor([0.5], { dtype: 'float64' }),
    });
    const x = tensor(
      [
        [1, 2],
        [0, -4],
      ],
      { dtype: 'float64' },
    );
    // Rows: 3·1 − 1·2 + 0.5 = 1.5 and 3·0 − 1·(−4) + 0.5 = 4.5, then doubled.
    expect(m.call(x, 2).toArray()).toEqual([[3], [9]]);
    expect(m.call(x, -1).toArray()).toEqual([[-1.5], [-4.5]]);
  });

  it('rejects member names that are empty or dotted', () => {
    class M extends Module {
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new M().registerModule('a.b', new ReLU())).toThrow(ValueError);
    expect(() => new M().registerParameter('', null)).toThrow(ValueError);
  });
});

describe('Module modes and gradients', () => {
  it('eval() and train() reach every descendant', () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    net.head.train(false);
    expect(net.training).toBe(true);
    expect(net.head.at(1).training).toBe(false);
  });

  it('zeroGrad() sets every gradient to null, or to zeros when asked', () => {
    const net = new Net();
    net
      .call(randn([4, 3]))
      .sum()
      .backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad(false);
    for (const p of net.parameters()) {
      expect(p.grad!.shape).toEqual(p.shape);
      expect(p.grad!.toFlatArray().every((v) => v === 0)).toBe(true);
    }
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });
});

describe('Module buffers', () => {
  class Stats extends Module {
    weight = new Parameter(ones([3]));
    runningMean: Tensor;
    scratch: Tensor | null;
    inner = new Sequential(new Linear(3, 3));
    constructor() {
      super();
      this.runningMean = this.registerBuffer('runningMean', zeros([3]));
      this.scratch = this.registerBuffer('scratch', ones([2]), false);
    }
    override forward(x: Tensor): Tensor {
      return x.mul(this.weight).sub(this.runningMean);
    }
  }

  it('lists buffers apart from parameters, and saves only persistent ones', () => {
    const m = new Stats();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['weight', 'inner.0.weight', 'inner.0.bias']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['runningMean', 'scratch']);
    expect(Object.keys(m.stateDict())).toEqual(['weight', 'runningMean', 'inner.0.weight', 'inner.0.bias']);
  });

  it('follows a buffer field that is reassigned, and skips a null one', () => {
    const m = new Stats();
    m.runningMean = tensor([1, 2, 3]);
    expect(m.stateDict().runningMean!.toArray()).toEqual([1, 2, 3]);
    m.scratch = null;
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['runningMean']);
  });

  it('loads buffers in place', () => {
    const m = new Stats();
    const before = m.runningMean;
    const dict = m.stateDict();
    dict.runningMean = tensor([4, 5, 6]);
    m.loadStateDict(dict);
    expect(m.runningMean).toBe(before);
    expect(m.runningMean.toArray()).toEqual([4, 5, 6]);
  });

  it('refuses a Parameter as a buffer', () => {
    expect(() => new Stats().registerBuffer('p', new Parameter(zeros([1])))).toThrow(ValueError);
  });
});

describe('Module state dict', () => {
  it('round-trips: a model loaded from another computes the same outputs', () => {
    const a = new Net(1);
    const b = new Net(2);
    const x = randn([3, 3], { generator: new Generator(9) });
    expect(b.call(x).toArray()).not.toEqual(a.call(x).toArray());
    const result = b.loadStateDict(a.stateDict());
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.call(x).toArray()).toEqual(a.call(x).toArray());
    expect(Object.keys(b.stateDict())).toEqual(a.namedParameters().map(([n]) => n));
    const loaded = b.stateDict();
    for (const [key, t] of Object.entries(a.stateDict())) expect(loaded[key]!.toArray()).toEqual(t.toArray());
  });

  it('copies into the existing parameter objects (so optimizers keep them)', () => {
    const a = new Net(1);
    const b = new Net(2);
    const params = b.parameters();
    b.loadStateDict(a.stateDict());
    expect(b.parameters()).toEqual(params);
    expect(b.parameters().every((p, i) => p === params[i])).toBe(true);
    // The loaded values are copies, not the source buffers.
    a.scale.data[0] = 42;
    expect(b.scale.item()).toBe(1);
  });

  it('stateDict values are detached and share memory, as in PyTorch', () => {
    const net = new Net();
    const sd = net.stateDict();
    expect(sd.scale!.requiresGrad).toBe(false);
    net.scale.data[0] = 7;
    expect(sd.scale!.item()).toBe(7);
  });

  it('lists a shared parameter under every name in the state dict, as PyTorch does', () => {
    class Tied extends Module {
      enc = new Linear(2, 2);
      dec = new Linear(2, 2);
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Tied();
    (m.dec as { weight: Parameter }).weight = m.enc.weight;
    expect(Object.keys(m.stateDict())).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    expect(m.numParameters()).toBe(4 + 2 + 2);
  });

  it('names the key and both shapes on a shape mismatch, and writes nothing', () => {
    const net = new Net(1);
    const before = net.stateDict();
    const snapshot = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.clone()]));
    const dict = new Net(2).stateDict();
    dict['blocks.1.fc2.weight'] = zeros([2, 4]);
    const load = () => net.loadStateDict(dict);
    expect(load).toThrow(ShapeError);
    expect(load).toThrow(
      "loadStateDict: shape mismatch for 'blocks.1.fc2.weight': the dict has [2,4], the module has [3,4]",
    );
    for (const [k, v] of Object.entries(net.stateDict())) expect(v.toArray()).toEqual(snapshot[k]!.toArray());
  });

  it('checks shapes in non-strict mode too', () => {
    const dict = { '0.weight': zeros([5, 5]) };
    expect(() => new Sequential(new Linear(2, 3)).loadStateDict(dict, { strict: false })).toThrow(ShapeError);
  });

  it('rejects a dtype mismatch naming the key', () => {
    const m = new Sequential(new Linear(2, 3));
    const dict = new Sequential(new Linear(2, 3, { dtype: 'float64' })).stateDict();
    expect(() => m.loadStateDict(dict)).toThrow(DTypeError);
    expect(() => m.loadStateDict(dict)).toThrow("'0.weight'");
  });

  it('strict mode names missing and unexpected keys', () => {
    const m = new Sequential(new Linear(2, 3));
    const dict = m.stateDict();
    delete dict['0.bias'];
    dict['0.gamma'] = zeros([3]);
    const load = () => m.loadStateDict(dict);
    expect(load).toThrow(ValueError);
    expect(load).toThrow("missing keys '0.bias'; unexpected keys '0.gamma'");
  });

  it('non-strict mode loads the keys that match and reports the others', () => {
    const m = new Sequential(new Linear(2, 3));
    const dict: Record<string, Tensor> = { '0.weight': ones([3, 2]), extra: zeros([1]) };
    const result = m.loadStateDict(dict, { strict: false });
    expect(result).toEqual({ missingKeys: ['0.bias'], unexpectedKeys: ['extra'] });
    expect(m.at(0).stateDict().weight!.toFlatArray()).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('accepts a Map as well as a record', () => {
    const a = new Sequential(new Linear(2, 3, { generator: new Generator(1) }));
    const b = new Sequential(new Linear(2, 3, { generator: new Generator(2) }));
    b.loadStateDict(new Map(Object.entries(a.stateDict())));
    expect(b.stateDict()['0.weight']!.toArray()).toEqual(a.stateDict()['0.weight']!.toArray());
  });
});

describe('Module toString', () => {
  it("prints the article's network like PyTorch's module print", () => {
    expect(mnistNet().toString()).toBe(
      [
        'Sequential(',
        '  (0): Linear(inFeatures=784, outFeatures=50, bias=true)',
        '  (1): Sigmoid()',
        '  (2): Linear(inFeatures=50, outFeatures=100, bias=true)',
        '  (3): Sigmoid()',
        '  (4): Linear(inFeatures=100, outFeatures=10, bias=true)',
        ')',
      ].join('\n'),
    );
  });

  it('indents nested modules and prints settings', () => {
    class Small extends Module {
      features = new Sequential(new Linear(4, 2, { bias: false }), new Dropout(0.25));
      out = new Softmax(1);
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(`${new Small()}`).toBe(
      [
        'Small(',
        '  (features): Sequential(',
        '    (0): Linear(inFeatures=4, outFeatures=2, bias=false)',
        '    (1): Dropout(p=0.25)',
        '  )',
        '  (out): Softmax(dim=1)',
        ')',
      ].join('\n'),
    );
  });

  it('prints a ModuleList field and an empty container', () => {
    class L extends Module {
      layers = new ModuleList([new ReLU()]);
      empty = new Sequential();
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(`${new L()}`).toBe(
      ['L(', '  (layers): ModuleList(', '    (0): ReLU()', '  )', '  (empty): Sequential()', ')'].join('\n'),
    );
  });
});
