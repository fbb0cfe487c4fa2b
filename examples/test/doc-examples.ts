/**
 * Finds the `@example` blocks of the public API's doc comments and the ```ts blocks of the docs,
 * for the tests that run them. An example whose first line is `// not run: <reason>` is listed
 * but not run (it needs files or a network the tests do not have).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from '../../scripts/entry-points.js';

/** One example: where it is, its code, and why it is not run (if it is not). */
export interface DocExample {
  /** `path:line` of the `@example` tag (or of the fence), relative to the repository root. */
  where: string;
  /** The package folder it belongs to (`packages/core`), or null for a Markdown file. */
  packageDir: string | null;
  /** The example's TypeScript, with the comment's ` * ` prefixes removed. */
  code: string;
  /** The reason given by a `// not run: …` first line, or null when the example runs. */
  notRun: string | null;
}

const NOT_RUN = /^\s*\/\/\s*not run:\s*(.+)$/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The `@example` blocks of one file's doc comments. */
export function examplesOf(text: string, path: string, packageDir: string | null): DocExample[] {
  const out: DocExample[] = [];
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const startLine = text.slice(0, m.index).split('\n').length;
    const lines = m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '').replace(/^\s*$/, ''));
    let current: { line: number; code: string[] } | null = null;
    const flush = () => {
      if (current === null) return;
      let code = current.code.join('\n').trim();
      const fenced = /```(?:ts|typescript)?\n([\s\S]*?)```/.exec(code);
      if (fenced !== null) code = fenced[1]!.trim();
      const first = NOT_RUN.exec(code.split('\n')[0] ?? '');
      out.push({
        where: `${path}:${current.line}`,
        packageDir,
        code,
        notRun: first ? first[1]!.trim() : null,
      });
      current = null;
    };
    lines.forEach((line, i) => {
      const tag = /^@(\w+)\s?(.*)$/.exec(line);
      if (tag !== null) {
        flush();
        if (tag[1] === 'example') current = { line: startLine + i, code: [tag[2]!] };
      } else if (current !== null) current.code.push(line);
    });
    flush();
  }
  return out;
}

/** Every `@example` of every source file under packages/<name>/src. */
export function apiExamples(): DocExample[] {
  const out: DocExample[] = [];
  const packages = join(root, 'packages');
  for (const name of readdirSync(packages).sort()) {
    const src = join(packages, name, 'src');
    let files: string[];
    try {
      files = sourceFiles(src);
    } catch {
      continue;
    }
    for (const file of files) {
      out.push(...examplesOf(readFileSync(file, 'utf8'), relative(root, file), `packages/${name}`));
    }
  }
  return out;
}

/** The ```ts blocks of a Markdown file; a block right after `<!-- not run: reason -->` is not run. */
export function markdownExamples(path: string): DocExample[] {
  const text = readFileSync(join(root, path), 'utf8');
  const out: DocExample[] = [];
  for (const m of text.matchAll(/(<!--\s*not run:\s*([\s\S]*?)-->\s*\n)?```ts\n([\s\S]*?)```/g)) {
    const line = text.slice(0, m.index + (m[1]?.length ?? 0)).split('\n').length;
    out.push({ where: `${path}:${line}`, packageDir: null, code: m[3]!, notRun: m[2]?.trim() ?? null });
  }
  return out;
}
