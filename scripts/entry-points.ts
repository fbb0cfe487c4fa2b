/**
 * The public entry points of the workspace's library packages, read from each package.json's
 * `exports` map (its `source` conditions), so that the docs tooling follows the packages as they
 * grow instead of a hand-kept list.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The workspace root. */
export const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** One public module: the import specifier users write and the TypeScript file behind it. */
export interface EntryPoint {
  /** The package's name, e.g. `@tsgrad/testing`. */
  packageName: string;
  /** What users import, e.g. `@tsgrad/testing/vitest`. */
  specifier: string;
  /** The absolute path of the `source` file, e.g. `…/packages/testing/src/vitest.ts`. */
  file: string;
  /** The package's folder. */
  dir: string;
}

type ExportsMap = Record<string, { source?: string } | string>;

/** Every `source` entry of every `packages/*\/package.json`, in folder order. */
export function entryPoints(): EntryPoint[] {
  const out: EntryPoint[] = [];
  const packages = join(root, 'packages');
  for (const name of readdirSync(packages).sort()) {
    const dir = join(packages, name);
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; exports?: ExportsMap };
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      if (typeof target === 'string' || target.source === undefined) continue;
      out.push({
        packageName: pkg.name,
        specifier: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, '')}`,
        file: join(dir, target.source),
        dir,
      });
    }
  }
  return out;
}
