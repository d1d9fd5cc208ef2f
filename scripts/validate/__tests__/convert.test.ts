import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertCheck } from '../checks/convert';
import { apexClass, DEFAULT, lwcBundle, makeProject, removeProject, writeFile } from './fixtures';

// the sf CLI takes a few seconds to start
jest.setTimeout(120_000);

const JS = "import { LightningElement } from 'lwc';\nexport default class Hello extends LightningElement {}\n";
const TEST =
  "import Hello from 'c/hello';\ndescribe('c-hello', () => { it('renders', () => expect(Hello).toBeDefined()); });\n";

function project(): string {
  return makeProject(
    {
      ...apexClass('Hello', 'public with sharing class Hello {\n}\n'),
      ...lwcBundle('hello', JS),
      [`${DEFAULT}/lwc/hello/__tests__/hello.test.js`]: TEST
    },
    ['sfdx-project.json', '.forceignore']
  );
}

const tmpLeftovers = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('gtm-convert-'));

describe('convert', () => {
  it('passes when .forceignore keeps the jest tests out of the package, and cleans up its temp dir', async () => {
    const before = tmpLeftovers();
    const dir = project();
    try {
      expect(await convertCheck.run({ projectDir: dir })).toEqual([]);
      expect(tmpLeftovers()).toEqual(before);
    } finally {
      removeProject(dir);
    }
  });

  it('leaves no detached `sf update` behind: the sf CLI is told not to auto-update (no claim file in its cache)', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-home-'));
    const saved = { HOME: process.env.HOME, off: process.env.SF_DISABLE_AUTOUPDATE };
    // the child sf process gets this jest sandbox's env: a home of its own, and no inherited switch
    process.env.HOME = home;
    delete process.env.SF_DISABLE_AUTOUPDATE;
    const dir = project();
    try {
      expect(await convertCheck.run({ projectDir: dir })).toEqual([]);
      expect(fs.existsSync(path.join(home, '.cache', 'sf', 'autoupdate'))).toBe(false);
    } finally {
      process.env.HOME = saved.HOME;
      if (saved.off !== undefined) process.env.SF_DISABLE_AUTOUPDATE = saved.off;
      removeProject(dir);
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('fails naming the test file when .forceignore lacks **/__tests__/**', async () => {
    const dir = project();
    try {
      writeFile(dir, '.forceignore', 'package.xml\n**/jsconfig.json\n');
      expect(await convertCheck.run({ projectDir: dir })).toEqual([
        {
          file: `${DEFAULT}/lwc/hello/__tests__/hello.test.js`,
          message: expect.stringContaining('add it to .forceignore, e.g. **/__tests__/**')
        }
      ]);
    } finally {
      removeProject(dir);
    }
  });

  it("fails with the CLI's message when the source cannot be converted", async () => {
    const dir = project();
    try {
      writeFile(dir, `${DEFAULT}/widgets/Spinner.widget-meta.xml`, '<Widget/>\n');
      const problems = await convertCheck.run({ projectDir: dir });
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toMatch(/^sf project convert source failed: .*Could not infer a metadata type/);
      expect(problems[0]!.message).not.toMatch(/\n\s+at /);
    } finally {
      removeProject(dir);
    }
  });
});
