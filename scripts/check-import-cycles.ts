/**
 * Fails when the runtime imports of a package's sources form a cycle. `import type` and
 * `export type … from` are erased and do not count; `import { type A }` does (under
 * verbatimModuleSyntax it still loads the module). Run by `pnpm lint`.
 *
 * Usage: tsx scripts/check-import-cycles.ts [dir …]   (default: every packages/<name>/src)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The relative modules a file loads at run time, resolved to .ts paths. */
export function runtimeImports(
  file: string,
  text: string,
  exists: (path: string) => boolean = existsSync,
): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const specs: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node)) {
      if (node.importClause?.isTypeOnly) continue;
      specs.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      if (node.isTypeOnly) continue;
      specs.push((node.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
    .filter((p) => exists(p));
}

/** Every cycle (as a list of files, first repeated last) in the import graph, one per strongly connected component. */
export function findCycles(
  files: readonly string[],
  read: (f: string) => string,
  exists: (path: string) => boolean = existsSync,
): string[][] {
  const edges = new Map<string, string[]>();
  for (const f of files) edges.set(f, runtimeImports(f, read(f), exists));
  // Tarjan's strongly connected components, iteratively.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (const start of files) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [v, i] = frame;
      const next = edges.get(v) ?? [];
      if (i < next.length) {
        frame[1] = i + 1;
        const w = next[i]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        const selfLoop = (edges.get(v) ?? []).includes(v);
        if (component.length > 1 || selfLoop) cycles.push(component.reverse());
      }
    }
  }
  return cycles;
}

function main(): void {
  const args = process.argv.slice(2);
  const dirs =
    args.length > 0
      ? args.map((a) => resolve(a))
      : readdirSync(join(root, 'packages'))
          .map((p) => join(root, 'packages', p, 'src'))
          .filter((d) => existsSync(d));
  let failed = false;
  for (const dir of dirs) {
    const cycles = findCycles(sourceFiles(dir), (f) => readFileSync(f, 'utf8'));
    for (const cycle of cycles) {
      failed = true;
      console.error(
        `import cycle in ${relative(root, dir)} (${cycle.length} modules): ${cycle.map((f) => relative(dir, f)).join(' → ')}`,
      );
    }
  }
  if (failed) process.exit(1);
  console.log(`no import cycles in ${dirs.map((d) => relative(root, d)).join(', ')}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname))
  main();
