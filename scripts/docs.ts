/**
 * `pnpm run docs`: the HTML API reference of every package (each `source` entry of its
 * package.json `exports`), from the doc comments, with the guides of docs/*.md, into docs/api/.
 * Offline: it reads only the sources and node_modules. (`pnpm docs` without `run` is pnpm's own
 * command, which opens a package's homepage.)
 *
 * Usage: tsx scripts/docs.ts [--out DIR]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Application, LogLevel, ReflectionKind } from 'typedoc';
import { entryPoints, root } from './entry-points.js';

async function main(): Promise<void> {
  const outFlag = process.argv.indexOf('--out');
  const out = outFlag > 0 ? process.argv[outFlag + 1]! : join(root, 'docs', 'api');
  const guides = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => join(root, 'docs', f))
    : [];
  const entries = entryPoints();
  const app = await Application.bootstrapWithPlugins({
    name: 'tsgrad',
    entryPoints: entries.map((e) => e.file),
    entryPointStrategy: 'resolve',
    tsconfig: join(root, 'tsconfig.docs.json'),
    readme: join(root, 'README.md'),
    projectDocuments: guides,
    out,
    excludePrivate: true,
    excludeInternal: true,
    excludeNotDocumented: false,
    sort: ['kind', 'alphabetical'],
    githubPages: false,
    highlightLanguages: ['typescript', 'ts', 'javascript', 'sh', 'bash', 'python', 'json', 'text'],
    logLevel: LogLevel.Warn,
    validation: { notExported: false, invalidLink: true, notDocumented: false },
  });
  const project = await app.convert();
  if (project === undefined) {
    console.error('docs: TypeDoc could not convert the project');
    process.exit(1);
  }
  // Name each module as users import it (`@tsgrad/nn`), not by its path (`nn/src`).
  for (const module of project.getChildrenByKind(ReflectionKind.Module)) {
    const file = module.sources?.[0]?.fullFileName;
    const entry = entries.find((e) => e.file === file);
    if (entry !== undefined) module.name = entry.specifier;
  }
  app.validate(project);
  await app.generateDocs(project, out);
  if (app.logger.hasErrors()) process.exit(1);
  console.log(`docs: wrote ${relative(process.cwd(), out) || '.'}/index.html`);
}

await main();
