import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblem } from '../../lib/errors';
import { editFile, makeTempProject, removeTempProject } from '../../test-support/tempProject';
import { policyCheck } from '../checks/policy';

jest.setTimeout(60_000);

const POLICY = 'policy/gtm-policy.json';
const RECORD = 'force-app/main/default/customMetadata/GTM_Policy.Expansion_Share_Threshold.md-meta.xml';

let dir: string;
beforeEach(() => (dir = makeTempProject()));
afterEach(() => removeTempProject(dir));

const run = async () => (await policyCheck.run({ projectDir: dir })).map(formatProblem);
/** 1-based line of the first line of the policy file containing `text`. */
const lineOf = (rel: string, text: string) =>
  fs
    .readFileSync(path.join(dir, rel), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

describe('the policy check (gtm validate --only policy)', () => {
  it("passes on the repository's policy, records and registry", async () => {
    expect(await run()).toEqual([]);
  });

  it.each(['-0.2', '1.5'])(
    'refuses Expansion_Share_Threshold = %s with file, line, key, value and range',
    async (v) => {
      editFile(dir, POLICY, /("Expansion_Share_Threshold": \{\s*"value": )"0\.40"/, `$1"${v}"`);
      const line = lineOf(POLICY, `"${v}"`);
      expect(await run()).toEqual([
        `${POLICY}:${line}: Expansion_Share_Threshold = ${v}: must be a share between 0 and 1 with at most 6 decimal places`
      ]);
    }
  );

  it('refuses a count that is not a whole number and a key the schema does not know', async () => {
    editFile(dir, POLICY, /("Expansion_Min_Weekly_Tickets": \{\s*"value": )"50"/, '$1"50.5"');
    editFile(
      dir,
      POLICY,
      '"policies": {',
      '"policies": {\n    "Expansion_Bonus_Weeks": { "value": "2", "type": "Integer", "category": "Expansion", "source": "s", "description": "d" },'
    );
    expect(await run()).toEqual([
      `${POLICY}:${lineOf(POLICY, 'Expansion_Bonus_Weeks')}: Expansion_Bonus_Weeks = 2: is not a known policy key (add it with its type and range to scripts/policy/schema.ts)`,
      `${POLICY}:${lineOf(POLICY, '"50.5"')}: Expansion_Min_Weekly_Tickets = 50.5: must be a whole number of tickets from 1 to 999999999`
    ]);
  });

  it('reports a JSON syntax error by line and column', async () => {
    editFile(dir, POLICY, /("Expansion_Share_Threshold": \{\s*"value": "0\.40"),/, '$1');
    const line = lineOf(POLICY, '"Expansion_Share_Threshold": {') + 2; // where a comma was expected: the next property (indented 6)
    expect(await run()).toEqual([
      expect.stringMatching(new RegExp(`^${POLICY}:${line}:7: not valid JSON: Expected ',' or '}'`))
    ]);
  });

  it('reports a key written twice (JSON.parse would keep the last without a word)', async () => {
    editFile(dir, POLICY, '"policies": {', '"policies": {\n    "Expansion_Mode": { "value": "live" },');
    const lines = fs.readFileSync(path.join(dir, POLICY), 'utf8').split('\n');
    const second = lines.findIndex((l, i) => i > 3 && l.includes('"Expansion_Mode": {')) + 1;
    expect(await run()).toEqual([
      `${POLICY}:${second}:5: Expansion_Mode is written twice in one object (first on line 4); JSON keeps only the last`
    ]);
  });

  it('reports a GTM_Policy__mdt record that disagrees with the policy file', async () => {
    editFile(dir, RECORD, '>0.40<', '>0.35<');
    expect(await run()).toEqual([
      `${RECORD}: Expansion_Share_Threshold.Value__c: policy file has "0.40", metadata has "0.35" (run: npx gtm policy write-metadata)`
    ]);
  });

  it('reports a list value that is not a value of its picklist in force-app', async () => {
    editFile(dir, POLICY, /("Enterprise_Segments": \{\s*"value": )"Enterprise"/, '$1"Enterprise;Strategic"');
    const problems = await run();
    expect(problems).toContain(
      `${POLICY}:${lineOf(POLICY, 'Enterprise;Strategic')}: Enterprise_Segments = Strategic: is not a value of Account.GTM_Segment__c (Enterprise, Mid-Market, SMB)`
    );
  });

  it('validates the registry data as deploy --dry-run does, and an unreadable file is one problem', async () => {
    editFile(dir, 'data/experiment-backlog.csv', /,running,1,2,5,/, ',running,1,2,99,');
    fs.rmSync(path.join(dir, 'data', 'launch-gates.csv'));
    const problems = await run();
    expect(problems).toEqual([
      expect.stringMatching(
        /^data\/experiment-backlog\.csv:2 \[decision_week\]: the program has 13 weeks \(got "99"\)$/
      ),
      'data/launch-gates.csv: cannot read data/launch-gates.csv: no such file'
    ]);
  });

  it('names the policy file when it is missing', async () => {
    fs.rmSync(path.join(dir, POLICY));
    expect(await run()).toEqual([`${POLICY}: missing: the program policy (every threshold) is read from this file`]);
  });
});
