/** The bundle's cache key and the build's dependency check, on a throwaway project (no rollup run here). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildKey, checkBuildDependencies, listComponents, markBundleInUse, pruneBundles, tagOf } from '../build';
import { shimSource } from '../shims';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-wb-build-'));
  const lwc = path.join(dir, 'force-app', 'main', 'default', 'lwc');
  fs.mkdirSync(path.join(lwc, 'fooPanel', '__tests__'), { recursive: true });
  fs.writeFileSync(path.join(lwc, 'fooPanel', 'fooPanel.js'), 'export default class {}\n');
  fs.writeFileSync(path.join(lwc, 'fooPanel', 'fooPanel.html'), '<template></template>\n');
  fs.mkdirSync(path.join(lwc, 'helpers'));
  fs.writeFileSync(path.join(lwc, 'helpers', 'helpers.js'), 'export const x = 1;\n');
  fs.mkdirSync(path.join(lwc, 'halfWritten'));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}');
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('workbench build', () => {
  it('lists components, placeable or not, and skips a folder with no module yet', () => {
    const { components, skipped } = listComponents(dir);
    expect(components.map((c) => [c.specifier, c.tag, c.ui])).toEqual([
      ['c/fooPanel', 'c-foo-panel', true],
      ['c/helpers', 'c-helpers', false]
    ]);
    expect(skipped).toEqual(['halfWritten: no halfWritten.js yet']);
    expect(tagOf('c', 'expansionTriggerPanel')).toBe('c-expansion-trigger-panel');
  });

  it('keys the cache on the component sources and the lockfile, not on jest tests', () => {
    const key = buildKey(dir);
    expect(buildKey(dir)).toBe(key);
    const lwc = path.join(dir, 'force-app', 'main', 'default', 'lwc');
    fs.writeFileSync(path.join(lwc, 'fooPanel', '__tests__', 'fooPanel.test.js'), 'test');
    expect(buildKey(dir)).toBe(key);
    fs.writeFileSync(path.join(lwc, 'fooPanel', 'fooPanel.html'), '<template><p>changed</p></template>\n');
    const changed = buildKey(dir);
    expect(changed).not.toBe(key);
    fs.writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion":3}');
    expect(buildKey(dir)).not.toBe(changed);
  });

  it('names a missing build package and npm ci', () => {
    expect(() => checkBuildDependencies(dir)).toThrow(
      /needs the npm package rollup, which is not installed; run `npm ci`/
    );
    expect(() => checkBuildDependencies()).not.toThrow();
  });
});

describe('bundle cache pruning', () => {
  /** a cache with bundles a (oldest) to e (newest), each a folder with main.js and its own mtime */
  function cacheWithBundles(): { root: string; dir: (n: string) => string } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wb-prune-'));
    const dir = (n: string) => path.join(root, n.repeat(16));
    ['a', 'b', 'c', 'd', 'e'].forEach((n, i) => {
      fs.mkdirSync(dir(n));
      fs.writeFileSync(path.join(dir(n), 'main.js'), '');
      fs.utimesSync(dir(n), 1_000 + i, 1_000 + i);
    });
    return { root, dir };
  }

  it('keeps the current bundle and the two newest others, and removes the older ones', () => {
    const { root, dir } = cacheWithBundles();
    pruneBundles(root, 'a'.repeat(16));
    expect(['a', 'b', 'c', 'd', 'e'].filter((n) => fs.existsSync(dir(n)))).toEqual(['a', 'd', 'e']);
  });

  it('keeps an old bundle a running server serves until the server lets it go; a dead process does not hold one', () => {
    const { root, dir } = cacheWithBundles();
    const release = markBundleInUse(dir('b'));
    // a killed server's mark: a pid no live process has (above the kernel's pid_max)
    fs.writeFileSync(path.join(dir('a'), 'serving-2147483646'), '');
    // a mark touches its folder: put the ages back, so only the marks differ
    fs.utimesSync(dir('a'), 1_000, 1_000);
    fs.utimesSync(dir('b'), 1_001, 1_001);
    pruneBundles(root, 'e'.repeat(16));
    expect(['a', 'b', 'c', 'd', 'e'].filter((n) => fs.existsSync(dir(n)))).toEqual(['b', 'c', 'd', 'e']);
    release();
    fs.utimesSync(dir('b'), 1_001, 1_001);
    pruneBundles(root, 'e'.repeat(16));
    expect(['a', 'b', 'c', 'd', 'e'].filter((n) => fs.existsSync(dir(n)))).toEqual(['c', 'd', 'e']);
  });
});

describe('platform shims', () => {
  it('makes cacheable Apex methods wire adapters and others plain functions', () => {
    expect(shimSource('@salesforce/apex/GtmPilotScorecardController.getScorecard')).toContain(
      'apexMethod("GtmPilotScorecardController.getScorecard", true)'
    );
    expect(shimSource('@salesforce/apex/GtmPilotScorecardController.updateCriterion')).toContain(
      'apexMethod("GtmPilotScorecardController.updateCriterion", false)'
    );
  });

  it('supplies schema, user, label and the lightning modules; leaves others to the packages', () => {
    expect(shimSource('@salesforce/schema/Opportunity.Name')).toBe(
      'export default {"objectApiName":"Opportunity","fieldApiName":"Name"};'
    );
    expect(shimSource('@salesforce/schema/Account')).toBe('export default {"objectApiName":"Account"};');
    expect(shimSource('@salesforce/user/Id')).toMatch(/^export default "005/);
    for (const m of [
      '@salesforce/apex',
      'lightning/platformShowToastEvent',
      'lightning/uiRecordApi',
      'lightning/refresh',
      'lightning/navigation'
    ])
      expect(shimSource(m)).toBeDefined();
    expect(shimSource('lightning/button')).toBeUndefined();
    expect(shimSource('@salesforce/label/LightningControl.cancel')).toBeUndefined();
  });
});
