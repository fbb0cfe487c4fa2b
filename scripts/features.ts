/**
 * `pnpm features`: writes docs/FEATURES.md, the support matrix of every op in the registry of
 * @tsgrad/testing (`opInfos`) and every layer of @tsgrad/nn. Nothing in it is typed by hand except
 * the notes of docs/features-notes.json: gradients come from the OpInfo (and are what the
 * generated op tests check), the dtypes from running the op on its own sample in each dtype, the
 * webgpu column from running it on webgpu against the CPU (`deviceSupport`, the check of
 * packages/testing/test/webgpu-registry.test.ts), from a fixed seed so that every adapter writes
 * the same file. Where there is no WebGPU adapter, the webgpu column is kept from the committed
 * file (a new op gets `?`) and `--check` compares every column but that one.
 * `examples/test/features.test.ts` fails when the committed file is stale.
 *
 * Usage: tsx --conditions=source scripts/features.ts [--check]
 * (`bash scripts/install-lavapipe.sh` gives a machine without a GPU a software WebGPU adapter.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DType, Tensor } from '../packages/core/src/index.js';
import * as core from '../packages/core/src/index.js';
import * as nn from '../packages/nn/src/index.js';
import type { OpDeviceSupport, OpInfo } from '../packages/testing/src/index.js';
import * as testing from '../packages/testing/src/index.js';
import { root } from './entry-points.js';

/** Where the matrix is written. */
export const featuresPath = join(root, 'docs', 'FEATURES.md');

interface Notes {
  ops: Record<string, string>;
  layers: Record<string, string>;
}

const { opInfos } = testing;

/** One row of the matrix, as `supportMatrix()` of @tsgrad/testing gives it (where it exists). */
interface SupportRow {
  name: string;
  family?: string;
  outputDtype?: 'same' | DType;
  gradient: boolean;
  secondOrder: boolean;
  domain: string;
  skipped?: { property: string; reason: string }[];
}

/** The registry as rows: from `supportMatrix()` when @tsgrad/testing has it, else from the OpInfos. */
function supportRows(): SupportRow[] {
  const fromTesting = (testing as unknown as { supportMatrix?: () => SupportRow[] }).supportMatrix;
  if (fromTesting !== undefined) return fromTesting();
  return opInfos.map((info) => {
    const gradient = info.differentiable ?? true;
    return {
      name: info.name,
      outputDtype: info.outputDtype ?? 'same',
      gradient,
      secondOrder: info.secondOrder ?? gradient,
      domain: info.domain,
    };
  });
}

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];
const SHORT: Record<DType, string> = { float32: 'f32', float64: 'f64', int32: 'i32', bool: 'bool' };

/** The dtypes `info` runs on: its float inputs cast to each dtype (other inputs kept), forward only. */
function probeDtypes(info: OpInfo): DType[] {
  const [sample] = fc.sample(info.sample, { seed: 19, numRuns: 1 });
  if (sample === undefined) return [];
  const isFloat = (t: Tensor) => t.dtype === 'float32' || t.dtype === 'float64';
  return DTYPES.filter((dtype) => {
    try {
      core.noGrad(() => {
        const inputs = sample.inputs.map((x) => (isFloat(x) ? x.detach().to(dtype) : x));
        info.apply(inputs, sample.args);
      });
      return true;
    } catch {
      return false;
    }
  });
}

/** The classes @tsgrad/nn exports that are Modules (layers, containers, models), by name. */
function layerNames(): string[] {
  return Object.entries(nn)
    .filter(([, v]) => typeof v === 'function' && v.prototype instanceof nn.Module)
    .map(([k]) => k)
    .sort();
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The webgpu cell of each support level. */
const WEBGPU_CELL: Record<OpDeviceSupport['support'], string> = {
  backward: '✓',
  forward: 'forward only',
  unsupported: '—',
  notApplicable: 'n/a',
  mismatch: '✗ fails its check',
};

/** The cell of an op whose webgpu support is not known (no adapter, and not in the committed file). */
const UNKNOWN = '?';

/**
 * The webgpu cell of every op, by name, from running the registry on webgpu; null where no
 * WebGPU adapter can be started here.
 */
export async function webgpuCells(): Promise<Map<string, string> | null> {
  try {
    await core.initDevice('webgpu');
  } catch {
    return null;
  }
  const rows = await testing.deviceSupport('webgpu');
  return new Map(rows.map((r) => [r.name, WEBGPU_CELL[r.support]]));
}

/** The cells of the tables of `text`, with the column headed `column` blanked where `blank`. */
function tableCells(text: string, blank: string | null): string[] {
  let header: string[] | null = null;
  return text.split('\n').map((line) => {
    if (!line.startsWith('|')) {
      header = null;
      return line;
    }
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    if (header === null) header = cells;
    const j = blank === null ? -1 : header.indexOf(blank);
    return cells.map((c, i) => (/^-+$/.test(c) ? '-' : i === j ? '' : c)).join('|');
  });
}

/**
 * Whether two renderings of docs/FEATURES.md say the same, cell by cell (alignment aside); the
 * webgpu column is compared only when `compareWebgpu`.
 */
export function sameFeatures(a: string, b: string, compareWebgpu: boolean): boolean {
  const blank = compareWebgpu ? null : 'webgpu';
  return tableCells(a, blank).join('\n') === tableCells(b, blank).join('\n');
}

/** The webgpu cells of the committed docs/FEATURES.md, by op name. */
function committedWebgpuCells(): Map<string, string> {
  const cells = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync(featuresPath, 'utf8');
  } catch {
    return cells;
  }
  let header: string[] = [];
  for (const row of tableCells(text, null)) {
    const parts = row.split(/(?<!\\)\|/);
    if (parts[0] === 'op') header = parts;
    const name = /^`(\w+)`$/.exec(parts[0] ?? '')?.[1];
    const j = header.indexOf('webgpu');
    if (name !== undefined && j >= 0 && parts[j] !== undefined) cells.set(name, parts[j]!);
  }
  return cells;
}

/**
 * The whole of docs/FEATURES.md, with the webgpu cells of `webgpu` (from `webgpuCells()`; where
 * null, those of the committed file).
 */
export function renderFeatures(webgpu: ReadonlyMap<string, string> | null = null): string {
  const webgpuOf = webgpu ?? committedWebgpuCells();
  const notes = JSON.parse(readFileSync(join(root, 'docs', 'features-notes.json'), 'utf8')) as Notes;
  const lines: string[] = [
    '# Feature matrix',
    '',
    '<!-- Generated by `pnpm features` from the op registry of @tsgrad/testing and the exports of',
    '     @tsgrad/nn; notes from docs/features-notes.json. Do not edit by hand: a test fails when',
    '     this file is stale. The webgpu column needs a WebGPU adapter: regenerate it with',
    '     `pnpm features` on a machine with one (`bash scripts/install-lavapipe.sh` installs a',
    '     software one; the samples come from a fixed seed). Without one, `pnpm features` keeps the',
    '     column as committed and the staleness test (`pnpm features --check` too) compares every',
    '     other column; CI installs lavapipe and compares all. -->',
    '',
    'Every op in the registry of `@tsgrad/testing` (`opInfos`), from which tsgrad’s own op tests are',
    'generated, so each row below is tested as it reads:',
    '',
    '- **dtypes**: the dtypes the op runs on (its float inputs cast to each dtype, forward only).',
    '  Ops that reject a dtype throw a `DTypeError`; nothing is cast silently.',
    '- **gradient** / **2nd order**: whether the generated tests check the first / second derivative',
    '  against finite differences (in float64, with fast-check inputs drawn from the **domain**).',
    '- **cpu**: every op runs on the CPU. **webgpu**: how far the op runs on webgpu, found by running',
    '  it there on float32 copies of its samples and comparing with the CPU (values, and the gradients',
    '  of a random linear functional of the outputs): ✓ forward and backward (every check that',
    '  applies), forward only (its backward throws a `DeviceError`), — (its forward throws a',
    '  `DeviceError`: no kernel yet), n/a (no tensor inputs to move: its options pick the device),',
    '  ✗ (its check fails: a bug). See [webgpu.md](webgpu.md).',
    '',
    '## Ops',
    '',
  ];
  const rows = supportRows();
  const families = [...new Set(rows.map((r) => r.family ?? ''))];
  for (const family of families) {
    if (family !== '') lines.push(`### ${family}`, '');
    lines.push(
      '| op | dtypes | gradient | 2nd order | cpu | webgpu | domain of the tests | notes |',
      '| -- | ------ | -------- | --------- | --- | ------ | ------------------- | ----- |',
    );
    for (const row of rows.filter((r) => (r.family ?? '') === family)) {
      const info = opInfos.find((o) => o.name === row.name);
      const dtypes = (info === undefined ? [] : probeDtypes(info)).map((d) => SHORT[d]).join(', ');
      const skipped = new Map((row.skipped ?? []).map((s) => [s.property, s.reason]));
      const check = (has: boolean, kind: string) => (!has ? 'no' : skipped.has(kind) ? 'unchecked' : 'yes');
      const out =
        row.outputDtype !== undefined && row.outputDtype !== 'same' ? `returns ${row.outputDtype}` : '';
      const note = [
        out,
        notes.ops[row.name] ?? '',
        ...[...skipped].map(([property, reason]) => `${property} not checked: ${reason}`),
      ]
        .filter((n, i, all) => n !== '' && all.indexOf(n) === i)
        .join('; ');
      lines.push(
        `| \`${row.name}\` | ${dtypes || '–'} | ${check(row.gradient, 'gradient')} | ${check(row.secondOrder, 'secondOrder')} | yes | ${webgpuOf.get(row.name) ?? UNKNOWN} | ${cell(row.domain)} | ${cell(note)} |`,
      );
    }
    lines.push('');
  }
  const registered = new Set(rows.map((r) => r.name));
  const layers = layerNames();
  lines.push(
    `${rows.length} ops in the registry.`,
    '',
    '## Layers',
    '',
    'Every `Module` that `@tsgrad/nn` exports. A layer is composed of the ops above, so its',
    'gradients (and dtypes) are theirs; each runs on cpu, and on webgpu where every op it calls',
    'does (the webgpu column above).',
    '',
    '| layer | cpu | notes |',
    '| ----- | --- | ----- |',
    ...layers.map((l) => `| \`${l}\` | yes | ${cell(notes.layers[l] ?? '')} |`),
    '',
    `${layers.length} layers.`,
    '',
  );
  const missing = Object.entries(core)
    .filter(([k, v]) => typeof v === 'function' && !/^[A-Z]/.test(k) && !registered.has(k))
    .map(([k]) => k)
    .sort();
  lines.push(
    '## Not in the registry',
    '',
    'Functions `@tsgrad/core` exports that have no OpInfo, so no row above (creation and random',
    'functions, autograd tools and utilities among them; their tests are written by hand):',
    '',
    missing.map((m) => `\`${m}\``).join(', '),
    '',
  );
  return biomeFormat(lines.join('\n'));
}

/** `text` as `biome format` writes docs/FEATURES.md (aligned tables), so that `pnpm lint` agrees. */
function biomeFormat(text: string): string {
  const biome = join(root, 'node_modules', '.bin', 'biome');
  const run = spawnSync(biome, ['format', `--stdin-file-path=${featuresPath}`], {
    cwd: root,
    input: text,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`features: biome format failed: ${run.stderr}`);
  return run.stdout;
}

async function main(): Promise<number> {
  const webgpu = await webgpuCells();
  if (webgpu === null) {
    console.warn('features: no WebGPU adapter here; the webgpu column is kept as committed');
  }
  const text = renderFeatures(webgpu);
  if (process.argv.includes('--check')) {
    if (!sameFeatures(readFileSync(featuresPath, 'utf8'), text, webgpu !== null)) {
      console.error('features: docs/FEATURES.md is stale; run `pnpm features`');
      return 1;
    }
    console.log('features: docs/FEATURES.md is up to date');
    return 0;
  }
  writeFileSync(featuresPath, text);
  console.log(`features: wrote docs/FEATURES.md (${opInfos.length} ops)`);
  return 0;
}

// The exit ends the WebGPU device's event loop, which would keep the process alive.
if (process.argv[1]?.endsWith('features.ts')) main().then((code) => process.exit(code));
