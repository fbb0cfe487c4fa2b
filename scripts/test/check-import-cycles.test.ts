import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, runtimeImports } from '../check-import-cycles.js';

const dir = resolve('/virtual/src');
const file = (name: string) => resolve(dir, name);

describe('the import-cycle check of pnpm lint', () => {
  it('finds a cycle through runtime imports and names its modules', () => {
    const sources: Record<string, string> = {
      [file('tensor.ts')]: "import { add } from './ops.js';\nexport class Tensor {}",
      [file('ops.ts')]: "import { Tensor } from './tensor.js';\nexport const add = () => new Tensor();",
      [file('leaf.ts')]: "import { add } from './ops.js';",
    };
    const cycles = findCycles(
      Object.keys(sources),
      (f) => sources[f]!,
      (p) => p in sources,
    );
    expect(cycles).toHaveLength(1);
    expect([...cycles[0]!].sort()).toEqual([file('ops.ts'), file('tensor.ts')]);
  });

  it('ignores type-only imports and exports, but counts `import { type X }`, which still loads the module', () => {
    const text = [
      "import type { A } from './a.js';",
      "export type { B } from './b.js';",
      "import { type C } from './c.js';",
      "export { D } from './d.js';",
      "import fs from 'node:fs';",
    ].join('\n');
    const found = runtimeImports(file('x.ts'), text, () => true).map((p) => p.slice(dir.length + 1));
    expect(found).toEqual(['c.ts', 'd.ts']);
  });

  it('passes on the packages as they are', () => {
    const sources: Record<string, string> = {
      [file('a.ts')]: "import type { B } from './b.js';\nexport const a = 1;",
      [file('b.ts')]: "import { a } from './a.js';\nexport type B = typeof a;",
    };
    expect(
      findCycles(
        Object.keys(sources),
        (f) => sources[f]!,
        (p) => p in sources,
      ),
    ).toEqual([]);
  });
});
