/** The bundle's cache key and the build's dependency check, on a throwaway project (no rollup run here). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildKey, checkBuildDependencies, listComponents, tagOf } from '../build';
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
