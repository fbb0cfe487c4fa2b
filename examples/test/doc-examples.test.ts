import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { entryPoints, root } from '../../scripts/entry-points.js';
import { apiExamples, type DocExample, markdownExamples } from './doc-examples.js';

// Every `@example` of the public API and every ```ts block of the guides in docs/ runs as
// written, in a scratch folder as the working directory. A doc-comment example has the exports of
// the packages in scope (its own package first); a guide's block imports what it uses.
const examples = apiExamples();
const guideFiles = existsSync(join(root, 'docs'))
  ? readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
  : [];
const guides = guideFiles.flatMap((f) => markdownExamples(`docs/${f}`));
const entries = entryPoints();
const exportsOf = new Map<string, string[]>();
for (const e of entries) exportsOf.set(e.specifier, Object.keys(await import(e.specifier)));

/** Names an example may use without importing them, beyond the packages' exports. */
const extras: Record<string, string> = {
  fc: "import fc from 'fast-check';",
  readFileSync: "import { readFileSync } from 'node:fs';",
  writeFileSync: "import { writeFileSync } from 'node:fs';",
  existsSync: "import { existsSync } from 'node:fs';",
};

/** The identifiers an example uses, outside comments, strings and property accesses. */
function identifiers(code: string): Set<string> {
  const stripped = code
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''")
    .replace(/\.\.\./g, ' ');
  return new Set(stripped.match(/(?<![.\w$])[A-Za-z_$][\w$]*/g) ?? []);
}

/** The example as a module: its own imports, then imports of the names it uses, then its code in a block. */
export function moduleSource(example: DocExample): string {
  // Import statements, single- or multi-line, wherever they start a line.
  const importStatement = /^import\s(?:[^;'"]|'[^']*'|"[^"]*")*?(?:from\s*)?['"][^'"]+['"];?[ \t]*$/gm;
  const own = example.code.match(importStatement) ?? [];
  const body = example.code.replace(importStatement, '').split('\n');
  const imported = new Set(own.flatMap((l) => l.match(/[A-Za-z_$][\w$]*/g) ?? []));
  const used = identifiers(body.join('\n'));
  // A guide's block is a whole program, copied as is by readers: it gets no imports of ours.
  if (example.packageDir === null) return `${own.join('\n')}\n{\n${body.join('\n')}\n}\nexport {};\n`;
  const pkgDir = join(root, example.packageDir);
  const order = [...entries.filter((e) => e.dir === pkgDir), ...entries.filter((e) => e.dir !== pkgDir)];
  const taken = new Set<string>();
  const lines = [...own];
  for (const entry of order) {
    const names = exportsOf
      .get(entry.specifier)!
      .filter((n) => used.has(n) && !imported.has(n) && !taken.has(n));
    for (const n of names) taken.add(n);
    if (names.length > 0) lines.push(`import { ${names.join(', ')} } from '${entry.specifier}';`);
  }
  for (const [name, line] of Object.entries(extras)) {
    if (used.has(name) && !imported.has(name) && !taken.has(name)) lines.push(line);
  }
  return `${lines.join('\n')}\n{\n${body.join('\n')}\n}\nexport {};\n`;
}

const scratch = join(root, 'examples', '.doc-examples');
mkdirSync(scratch, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs an example as a module of its own, with console output silenced; fails on console.warn/error. */
async function run(example: DocExample, name: string): Promise<void> {
  const file = join(scratch, `${name}.ts`);
  writeFileSync(file, moduleSource(example));
  const cwd = process.cwd();
  const work = mkdtempSync(join(tmpdir(), 'tsgrad-doc-example-'));
  const quiet = ['log', 'info', 'warn', 'error'] as const;
  const spies = quiet.map((m) => vi.spyOn(console, m).mockImplementation(() => {}));
  process.chdir(work);
  try {
    await import(file);
    const [, , warn, error] = spies;
    expect(warn!.mock.calls, 'console.warn calls').toEqual([]);
    expect(error!.mock.calls, 'console.error calls').toEqual([]);
  } finally {
    process.chdir(cwd);
    for (const s of spies) s.mockRestore();
    rmSync(work, { recursive: true, force: true });
  }
}

describe('doc-comment examples', () => {
  const notRun = examples.filter((e) => e.notRun !== null);

  it('finds the examples of every package', () => {
    const dirs = new Set(examples.map((e) => e.packageDir));
    for (const e of entries) expect(dirs, e.packageName).toContain(e.dir.slice(root.length + 1));
  });

  it('exempts few examples, each with a reason', () => {
    expect(notRun.length).toBeLessThanOrEqual(Math.ceil(examples.length / 10));
    for (const e of notRun) expect(e.notRun!.length, e.where).toBeGreaterThan(8);
  });

  const runnable = examples.filter((e) => e.notRun === null);
  it.each(runnable.map((e, i) => [e.where, i, e] as const))('%s runs', async (_where, i, example) => {
    await run(example, `example-${i}`);
  });
});

describe('the guides in docs/', () => {
  // A guide shows code that runs, or says why it has none (FEATURES.md is generated and checked
  // by features.test.ts).
  it.each(guideFiles)('%s has TypeScript that runs, or is marked prose only', (f) => {
    const text = readFileSync(join(root, 'docs', f), 'utf8');
    const blocks = guides.filter((g) => g.where.startsWith(`docs/${f}:`) && g.notRun === null);
    const proseOnly = /<!--\s*(prose only|Generated by)/.test(text);
    expect(blocks.length > 0 || proseOnly, `${f}: no runnable ts block and no <!-- prose only: … -->`).toBe(
      true,
    );
  });

  const runnable = guides.filter((g) => g.notRun === null);
  it.each(runnable.map((g, i) => [g.where, i, g] as const))('%s runs', async (_where, i, guide) => {
    await run(guide, `guide-${i}`);
  });
});
