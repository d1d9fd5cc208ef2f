/**
 * The workbench bundle: every component in force-app/main/default/lwc compiled with LWC OSS (rollup +
 * @lwc/rollup-plugin), the real lightning-base-components, synthetic shadow (as Lightning Experience uses, so SLDS
 * classes reach inside components) and the platform shims of shims.ts. The result is cached under
 * .gtm/workbench/<key>/, keyed by the component sources, the lockfile and the workbench's own build code, so only
 * the first start after a change pays the cold build (about 40 s, lightning-datatable is most of it).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ToolError } from '../lib/errors';
import { REPO_ROOT } from '../lib/paths';
import { PROBE_HTML, PROBE_JS } from './probe';
import { salesforceShims } from './shims';

export const DEFAULT_CACHE_ROOT = path.join(REPO_ROOT, '.gtm', 'workbench');
const ENTRY = '\0gtm-workbench-entry';
const MANIFEST = 'manifest.json';
/** Bump when the bundle layout changes in a way the hashed sources do not show. */
const FORMAT = 3;

/** The npm packages the build needs: a missing one is named with the fix. */
const BUILD_PACKAGES = [
  'rollup',
  '@lwc/rollup-plugin',
  '@lwc/engine-dom',
  '@lwc/synthetic-shadow',
  '@rollup/plugin-replace',
  'lightning-base-components',
  '@salesforce-ux/design-system'
];

export interface LwcComponent {
  /** camelCase folder name, e.g. pilotScorecard */
  name: string;
  /** module specifier, e.g. c/pilotScorecard */
  specifier: string;
  /** custom element tag, e.g. c-pilot-scorecard */
  tag: string;
  /** the module file */
  file: string;
  /** has a template, so it can be placed on a page (service modules like c/gtmErrors have none) */
  ui: boolean;
}

export interface WorkbenchBundle {
  /** compiler warnings about the project's own components (lightning-base-components' are left out) */
  warnings: string[];
  /** the folder holding main.js and its chunks */
  dir: string;
  key: string;
  /** tags of the placeable components in the bundle */
  components: string[];
  /** component folders skipped because they hold no module yet, with the reason */
  skipped: string[];
  cached: boolean;
  /** build time of this bundle when it was built (cold), and the time this call took */
  buildMs: number;
  ms: number;
}

export interface BuildOptions {
  projectDir?: string;
  cacheRoot?: string;
  /** rebuild even when a cached bundle matches */
  force?: boolean;
  onProgress?: (message: string) => void;
}

export const tagOf = (namespace: string, name: string) =>
  `${namespace}-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The node_modules folder of a package, or a ToolError naming it and `npm ci`. */
export function packageDir(name: string, projectDir = REPO_ROOT): string {
  // not require.resolve(`${name}/package.json`): some packages do not export their package.json
  for (let dir = path.resolve(projectDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new ToolError(
    `the workbench needs the npm package ${name}, which is not installed; run \`npm ci\` in ${projectDir}`
  );
}

export function checkBuildDependencies(projectDir = REPO_ROOT): void {
  for (const p of BUILD_PACKAGES) packageDir(p, projectDir);
}

/** The components of force-app/main/default/lwc; a folder without <name>.js (being written) is skipped. */
export function listComponents(projectDir = REPO_ROOT): { components: LwcComponent[]; skipped: string[] } {
  const lwcDir = path.join(projectDir, 'force-app', 'main', 'default', 'lwc');
  const components: LwcComponent[] = [];
  const skipped: string[] = [];
  const names = fs.existsSync(lwcDir) ? fs.readdirSync(lwcDir).sort() : [];
  for (const name of names) {
    const dir = path.join(lwcDir, name);
    if (!fs.statSync(dir).isDirectory() || name.startsWith('.') || name.startsWith('__')) continue;
    const file = ['.js', '.ts'].map((ext) => path.join(dir, `${name}${ext}`)).find((f) => fs.existsSync(f));
    if (!file) {
      skipped.push(`${name}: no ${name}.js yet`);
      continue;
    }
    components.push({
      name,
      specifier: `c/${name}`,
      tag: tagOf('c', name),
      file,
      ui: fs.existsSync(path.join(dir, `${name}.html`))
    });
  }
  return { components, skipped };
}

function walk(dir: string, out: string[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === '__tests__' || e.name === '__mocks__' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
}

/** The cache key: component sources (not their jest tests), the lockfile, and the workbench build code. */
export function buildKey(projectDir = REPO_ROOT): string {
  const h = crypto.createHash('sha256');
  h.update(`format ${FORMAT}\0`);
  const lwcDir = path.join(projectDir, 'force-app', 'main', 'default', 'lwc');
  const files: string[] = [];
  if (fs.existsSync(lwcDir)) walk(lwcDir, files);
  for (const f of files.sort()) {
    h.update(path.relative(projectDir, f));
    h.update('\0');
    h.update(fs.readFileSync(f));
    h.update('\0');
  }
  for (const f of [
    path.join(projectDir, 'package-lock.json'),
    ...['build.ts', 'shims.ts', 'probe.ts'].map((n) => path.join(__dirname, n))
  ]) {
    h.update(path.basename(f));
    h.update('\0');
    if (fs.existsSync(f)) h.update(fs.readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}

/** The entry module: synthetic shadow first, every component, and mount() for the page scripts. */
function entrySource(components: LwcComponent[]): string {
  const lines = ["import '@lwc/synthetic-shadow';", "import { createElement } from 'lwc';"];
  const registry: string[] = [];
  components.forEach((c, i) => {
    lines.push(`import * as m${i} from '${c.specifier}';`);
    if (c.ui) registry.push(`  '${c.tag}': m${i}.default,`);
  });
  lines.push("import * as probe from 'wb/probe';");
  registry.push("  'wb-probe': probe.default,");
  lines.push(`export const components = {\n${registry.join('\n')}\n};`);
  lines.push(`
function notice(target, text) {
  const card = document.createElement('article');
  card.className = 'slds-card slds-m-bottom_small wb-missing';
  const body = document.createElement('div');
  body.className = 'slds-card__body slds-card__body_inner slds-text-color_weak';
  body.textContent = text;
  card.appendChild(body);
  target.appendChild(card);
}

/** placements: [{ target: CSS selector, tag: 'c-pilot-scorecard', props: { recordId, objectApiName } }] */
export function mount(placements) {
  for (const p of placements) {
    const target = document.querySelector(p.target);
    if (!target) continue;
    const Ctor = components[p.tag];
    if (!Ctor) {
      notice(target, p.tag + ' is not in this build yet: ' + (p.missing || 'its component has no module in force-app/main/default/lwc'));
      continue;
    }
    const wrap = document.createElement('div');
    wrap.className = 'slds-m-bottom_small wb-placement';
    wrap.dataset.tag = p.tag;
    const el = createElement(p.tag, { is: Ctor });
    Object.assign(el, p.props || {});
    wrap.appendChild(el);
    target.appendChild(wrap);
  }
  document.documentElement.dataset.wbMounted = 'true';
}
`);
  return lines.join('\n');
}

function readManifest(
  dir: string
): { key: string; components: string[]; skipped: string[]; buildMs: number; warnings: string[] } | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8'));
    return fs.existsSync(path.join(dir, 'main.js')) ? { warnings: [], ...m } : null;
  } catch {
    return null;
  }
}

const SERVING = /^serving-(\d+)$/;

/**
 * A running server marks the bundle it serves with a file serving-<pid>, so that a later build (a test run, another
 * `gtm workbench`) does not prune it from under the open pages (they went blank: 404 on /bundle/main.js). Returns
 * what removes the mark.
 */
export function markBundleInUse(dir: string): () => void {
  const marker = path.join(dir, `serving-${process.pid}`);
  try {
    fs.writeFileSync(marker, '');
  } catch {
    return () => {};
  }
  return () => fs.rmSync(marker, { force: true });
}

/** A bundle with the mark of a live process (a killed server's mark does not count). */
function servedByLiveProcess(dir: string): boolean {
  for (const name of fs.readdirSync(dir)) {
    const m = SERVING.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPERM') return true;
    }
  }
  return false;
}

/** Keeps the newest few bundles and any a running server serves; older ones are removed. */
export function pruneBundles(cacheRoot: string, keep: string): void {
  const dirs = fs
    .readdirSync(cacheRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== keep && /^[0-9a-f]{16}$/.test(e.name))
    .map((e) => ({ name: e.name, t: fs.statSync(path.join(cacheRoot, e.name)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const d of dirs.slice(2)) {
    const dir = path.join(cacheRoot, d.name);
    if (!servedByLiveProcess(dir)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the bundle, or returns the cached one when nothing it depends on changed. */
export async function buildWorkbench(options: BuildOptions = {}): Promise<WorkbenchBundle> {
  const started = Date.now();
  const projectDir = options.projectDir ?? REPO_ROOT;
  const cacheRoot = options.cacheRoot ?? DEFAULT_CACHE_ROOT;
  const progress = options.onProgress ?? (() => {});
  checkBuildDependencies(projectDir);
  const key = buildKey(projectDir);
  const dir = path.join(cacheRoot, key);
  const cached = options.force ? null : readManifest(dir);
  if (cached) {
    return {
      dir,
      key,
      components: cached.components,
      skipped: cached.skipped,
      warnings: cached.warnings,
      buildMs: cached.buildMs,
      cached: true,
      ms: Date.now() - started
    };
  }

  const { components, skipped } = listComponents(projectDir);
  progress(
    `building the workbench bundle (${components.length} components + lightning-base-components; about 40 s the first time) ...`
  );
  const tmp = path.join(cacheRoot, `${key}.tmp-${process.pid}-${Date.now()}`);
  const srcDir = path.join(tmp, 'src');
  fs.mkdirSync(path.join(srcDir, 'probe'), { recursive: true });
  fs.writeFileSync(path.join(srcDir, 'probe', 'probe.js'), PROBE_JS);
  fs.writeFileSync(path.join(srcDir, 'probe', 'probe.html'), PROBE_HTML);
  const outDir = path.join(tmp, 'out');

  // loaded here, not at the top: `gtm --help` and the server tests should not pay for rollup
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { rollup } = require(require.resolve('rollup', { paths: [projectDir] })) as typeof import('rollup');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lwcMod = require(require.resolve('@lwc/rollup-plugin', { paths: [projectDir] }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const replaceMod = require(require.resolve('@rollup/plugin-replace', { paths: [projectDir] }));
  const lwc = (lwcMod.default ?? lwcMod) as (o: object) => import('rollup').Plugin;
  const replace = (replaceMod.default ?? replaceMod) as (o: object) => import('rollup').Plugin;

  const warnings: string[] = [];
  try {
    const bundle = await rollup({
      input: { main: ENTRY },
      plugins: [
        {
          name: 'gtm-workbench-entry',
          resolveId: (id) => (id === ENTRY ? ENTRY : null),
          load: (id) => (id === ENTRY ? entrySource(components) : null)
        },
        salesforceShims(),
        replace({
          preventAssignment: true,
          values: { 'import.meta.env.SSR': 'false', 'process.env.NODE_ENV': JSON.stringify('production') }
        }),
        lwc({
          rootDir: srcDir,
          enableDynamicComponents: true,
          modules: [
            ...components.map((c) => ({ name: c.specifier, path: c.file })),
            { name: 'wb/probe', path: path.join(srcDir, 'probe', 'probe.js') },
            { npm: 'lightning-base-components' }
          ]
        })
      ],
      onwarn(w) {
        if (['CIRCULAR_DEPENDENCY', 'THIS_IS_UNDEFINED', 'EMPTY_BUNDLE'].includes(w.code ?? '')) return;
        // lightning-base-components' own templates warn on this compiler version; only ours are worth reading
        if (/node_modules/.test(w.id ?? w.loc?.file ?? w.message)) return;
        warnings.push(w.message);
      }
    });
    await bundle.write({
      dir: outDir,
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js'
    });
    await bundle.close();
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const e = err as { message?: string; id?: string; loc?: { line: number; column: number } };
    const where = e.id
      ? `${path.relative(projectDir, e.id.replace(/\?.*$/, ''))}${e.loc ? `:${e.loc.line}` : ''}: `
      : '';
    const message = (e.message ?? String(err)).split('\n')[0];
    const hint = /Could not resolve/.test(message ?? '')
      ? [
          'a platform module the workbench does not supply yet: add it to scripts/workbench/shims.ts',
          'or a component that does not exist in force-app/main/default/lwc'
        ]
      : [];
    throw new ToolError(`the workbench bundle did not build: ${where}${message}`, { details: hint });
  }

  const buildMs = Date.now() - started;
  const manifest = {
    key,
    components: [...components.filter((c) => c.ui).map((c) => c.tag), 'wb-probe'],
    skipped,
    buildMs,
    warnings: warnings.slice(0, 100),
    builtAt: new Date().toISOString()
  };
  fs.writeFileSync(path.join(outDir, MANIFEST), JSON.stringify(manifest, null, 2));
  fs.rmSync(srcDir, { recursive: true, force: true });
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(outDir, dir);
  } catch {
    // another process finished the same key first: use that one
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  try {
    pruneBundles(cacheRoot, key);
  } catch {
    // pruning is housekeeping only
  }
  const final = readManifest(dir);
  if (!final) throw new ToolError(`the workbench bundle was built but ${dir} has no main.js`);
  return {
    dir,
    key,
    components: final.components,
    skipped: final.skipped,
    buildMs: final.buildMs,
    warnings: final.warnings ?? [],
    cached: false,
    ms: Date.now() - started
  };
}
