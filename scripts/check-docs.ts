/**
 * Fails when an export of a public entry point (each `source` in packages/*\/package.json's
 * `exports`) has no doc comment with a summary. Namespaces exported as values (`export * as F`)
 * are checked member by member; with `--members`, so are the public members of exported classes
 * and interfaces (reported, not failed). Run by `pnpm lint`.
 *
 * Every exported function and class of the packages' main entries must also carry an `@example`
 * (which examples/test/doc-examples.test.ts runs); the test fixtures of `@tsgrad/testing/fixtures`
 * are exempt. `--examples` lists those without one, fixtures included.
 *
 * Usage: tsx scripts/check-docs.ts [--members] [--examples]
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { type EntryPoint, entryPoints, root } from './entry-points.js';

/** An export without a summary: where it is declared and what it is called. */
export interface Undocumented {
  /** The import specifier and dotted path, e.g. `@tsgrad/nn F.relu`. */
  name: string;
  /** `file:line` of its first declaration. */
  where: string;
}

function compilerOptions(): ts.CompilerOptions {
  const file = join(root, 'tsconfig.base.json');
  const config = ts.readConfigFile(file, (f) => readFileSync(f, 'utf8'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  // Without @types/node (a large parse that no export docs depend on) the check runs twice as fast.
  return { ...parsed.options, noEmit: true, types: [] };
}

function location(decl: ts.Declaration | undefined): string {
  if (decl === undefined) return '?';
  const source = decl.getSourceFile();
  const { line } = source.getLineAndCharacterOfPosition(decl.getStart(source));
  return `${relative(root, source.fileName)}:${line + 1}`;
}

/** The summary of a doc comment written on the export statement itself (`/** … *\/ export * as F …`). */
function exportStatementSummary(alias: ts.Symbol): string {
  for (const decl of alias.declarations ?? []) {
    let node: ts.Node = decl;
    while (node.parent !== undefined && !ts.isExportDeclaration(node) && !ts.isSourceFile(node.parent)) {
      node = node.parent;
    }
    const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
    for (const doc of docs) {
      const text = ts.getTextOfJSDocComment(doc.comment)?.trim() ?? '';
      if (text !== '') return text;
    }
  }
  return '';
}

function summary(symbol: ts.Symbol, checker: ts.TypeChecker): string {
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
}

const isModule = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.ValueModule) !== 0;

/** Every undocumented export of the workspace's entry points (and, with `members`, member). */
export function findUndocumented(options: { members?: boolean; entries?: readonly EntryPoint[] } = {}): {
  undocumented: Undocumented[];
  checked: number;
  withoutExample: Undocumented[];
} {
  const entries = options.entries ?? entryPoints();
  const program = ts.createProgram(
    entries.map((e) => e.file),
    compilerOptions(),
  );
  const checker = program.getTypeChecker();
  const undocumented: Undocumented[] = [];
  const withoutExample: Undocumented[] = [];
  let checked = 0;
  const seen = new Set<string>();

  const visit = (alias: ts.Symbol, path: string): void => {
    const target = alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : alias;
    const decl = target.declarations?.[0];
    checked++;
    if (summary(target, checker) === '' && exportStatementSummary(alias) === '') {
      undocumented.push({ name: path, where: location(decl) });
    }
    const callable = target.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class);
    if (
      callable &&
      !(target.declarations ?? []).some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === 'example'))
    ) {
      withoutExample.push({ name: path, where: location(decl) });
    }
    if (isModule(target) && decl !== undefined && ts.isSourceFile(decl)) {
      for (const member of checker.getExportsOfModule(target)) visit(member, `${path}.${member.name}`);
    } else if (options.members && target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
      const key = `${location(decl)} ${target.name}`;
      if (seen.has(key)) return;
      seen.add(key);
      const type = checker.getDeclaredTypeOfSymbol(target);
      for (const member of checker.getPropertiesOfType(type)) {
        const md = member.declarations?.[0];
        if (md === undefined || md.getSourceFile().fileName.includes('node_modules')) continue;
        const flags = ts.getCombinedModifierFlags(md);
        if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
        if (member.name.startsWith('_') || member.name.startsWith('#')) continue;
        checked++;
        if (summary(member, checker) === '') {
          undocumented.push({ name: `${path}#${member.name}`, where: location(md) });
        }
      }
    }
  };

  for (const entry of entries) {
    const source = program.getSourceFile(entry.file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`check-docs: cannot read ${entry.file}`);
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      visit(symbol, `${entry.specifier} ${symbol.name}`);
    }
  }
  return { undocumented, checked, withoutExample };
}

function main(): void {
  const members = process.argv.includes('--members');
  const start = performance.now();
  const { undocumented, checked, withoutExample } = findUndocumented({ members });
  if (process.argv.includes('--examples')) {
    for (const u of withoutExample) console.log(`no @example: ${u.name} (${u.where})`);
    console.log(`check-docs: ${withoutExample.length} exported functions and classes have no @example`);
  }
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  const missingExamples = withoutExample.filter((u) => !u.name.startsWith('@tsgrad/testing/fixtures '));
  for (const u of missingExamples) console.error(`no @example: ${u.name} (${u.where})`);
  if (missingExamples.length > 0) {
    console.error(
      `check-docs: ${missingExamples.length} exported functions and classes have no @example ` +
        '(add a short one that runs: the tests run every @example)',
    );
    process.exit(1);
  }
  for (const u of undocumented) console.error(`undocumented: ${u.name} (${u.where})`);
  if (undocumented.length > 0) {
    console.error(
      `check-docs: ${undocumented.length} of ${checked} exports have no doc comment with a summary ` +
        '(write a one-line /** … */ above each)',
    );
    if (!members) process.exit(1);
    return;
  }
  console.log(`check-docs: all ${checked} exports are documented (${seconds} s)`);
}

if (process.argv[1]?.endsWith('check-docs.ts')) main();
