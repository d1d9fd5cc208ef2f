import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../lib/errors';
import { REPO_ROOT } from '../../lib/paths';
import { editFile, makeTempProject, removeTempProject } from '../../test-support/tempProject';
import { thresholdsFromPolicy } from '../../usage/triggerRules';
import { recordFile, writePolicyMetadata } from '../customMetadata';
import { jsonErrorOffset, jsonSyntaxError, loadPolicyFile, parsePolicyFile, Policy } from '../policy';
import { POLICY_RULES } from '../schema';

jest.setTimeout(120_000);

const POLICY_JSON = path.join(REPO_ROOT, 'policy', 'gtm-policy.json');
type Entries = Record<string, Record<string, unknown>>;
const repoRaw = () => JSON.parse(fs.readFileSync(POLICY_JSON, 'utf8')) as { policies: Entries };

/** The policy file with one value replaced, parsed as `policy/gtm-policy.json`; the error's lines or []. */
function problemsWith(edit: (policies: Entries) => void): string[] {
  const raw = repoRaw();
  edit(raw.policies);
  try {
    parsePolicyFile(raw, 'policy/gtm-policy.json');
    return [];
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return err.details.length && err.details[0] !== 'nothing was read from it' ? err.details : [err.message];
  }
}
const withValue = (key: string, value: unknown) => problemsWith((p) => (p[key]!.value = value));

describe('the policy schema', () => {
  it("accepts the repository's own policy", () => {
    expect(() => loadPolicyFile()).not.toThrow();
    expect(problemsWith(() => undefined)).toEqual([]);
  });

  it('has exactly one rule per key of the policy file, with the type the file declares', () => {
    const raw = repoRaw();
    expect(Object.keys(POLICY_RULES).sort()).toEqual(Object.keys(raw.policies).sort());
    for (const [key, rule] of Object.entries(POLICY_RULES))
      expect([key, raw.policies[key]!.type]).toEqual([key, rule.type]);
    // every key can be a GTM_Policy__mdt record name
    for (const key of Object.keys(POLICY_RULES)) expect(key).toMatch(/^[A-Za-z](?!.*__)[A-Za-z0-9_]{0,38}[A-Za-z0-9]$/);
  });

  it.each(['-0.2', '1.5'])('refuses Expansion_Share_Threshold = %s, naming file, key, value and range', (v) => {
    expect(withValue('Expansion_Share_Threshold', v)).toEqual([
      `policy/gtm-policy.json: Expansion_Share_Threshold = ${v}: must be a share between 0 and 1 with at most 6 decimal places`
    ]);
  });

  it.each([
    ['Usage_Max_Reject_Rate', '1.01'],
    ['Expansion_Max_False_Positive_Rate', '-0.1'],
    ['Pilot_Ready_Min_Score', '0.12345'],
    ['Logo_Churn_Target', '4%'],
    ['Hallucination_Max_Rate', '.02']
  ])('refuses a share or rate out of [0, 1] or not a plain decimal: %s = %s', (key, v) => {
    expect(withValue(key, v)).toEqual([
      expect.stringMatching(new RegExp(`^policy/gtm-policy.json: ${key} = .*: must be a share between 0 and 1`))
    ]);
  });

  it('accepts the ends of a share range', () => {
    expect(withValue('Expansion_Share_Threshold', '0')).toEqual([]);
    expect(withValue('Expansion_Share_Threshold', '1.000000')).toEqual([]);
  });

  it.each([
    ['Expansion_Min_Weekly_Tickets', '50.5', 'a whole number of tickets from 1 to 999999999'],
    ['Expansion_Min_Weekly_Tickets', '0', 'a whole number of tickets from 1 to 999999999'],
    ['Hallucination_Min_Sample', '-200', 'a whole number of responses from 1 to 2147483647'],
    ['Expansion_Consecutive_Weeks', '100', 'a whole number of weeks from 1 to 99'],
    ['Expansion_Cooldown_Weeks', '0', 'a whole number of weeks from 1 to 999'],
    ['Pilot_Scorecard_Completion_Days', '7.5', 'a whole number of days from 1 to 3650'],
    ['Expansion_Outcome_Window_Days', '99999', 'a whole number of days from 1 to 3650']
  ])('refuses a count, week or day number that is not a positive whole number in range: %s = %s', (key, v, range) => {
    expect(withValue(key, v)).toEqual([`policy/gtm-policy.json: ${key} = ${v}: must be ${range}`]);
  });

  it('refuses a lift of 0, an open enum, a bad date, an empty stage and a blank list item', () => {
    expect(withValue('Scale_Min_Relative_Lift', '0')).toEqual([
      'policy/gtm-policy.json: Scale_Min_Relative_Lift = 0: must be a relative lift greater than 0 (0.15 = 15 percent)'
    ]);
    expect(withValue('Expansion_Mode', 'Live')).toEqual([
      'policy/gtm-policy.json: Expansion_Mode = Live: must be shadow or live'
    ]);
    expect(withValue('Program_Start_Date', '2026-02-30')).toEqual([
      'policy/gtm-policy.json: Program_Start_Date = 2026-02-30: must be a calendar date written YYYY-MM-DD'
    ]);
    expect(withValue('Stage_Pilot', ' Pilot')).toEqual([
      'policy/gtm-policy.json: Stage_Pilot = " Pilot": must be an Opportunity stage name (1 to 40 characters, no leading or trailing spaces)'
    ]);
    expect(withValue('Enterprise_Segments', 'Enterprise;;SMB')).toEqual([
      'policy/gtm-policy.json: Enterprise_Segments = Enterprise;;SMB: must be a list of one or more values separated by semicolons, none blank or repeated'
    ]);
    expect(withValue('Security_Required_Collateral', ' ')).toHaveLength(1);
    expect(withValue('Stage_Proposal', 'Pilot')).toEqual([
      'policy/gtm-policy.json: Stage_Proposal = Pilot: must differ from Stage_Pilot'
    ]);
  });

  it('a key with a typo names the key it most likely meant', () => {
    const problems = problemsWith((p) => {
      p.Expansion_Cooldown_Week = p.Expansion_Cooldown_Weeks!;
      delete p.Expansion_Cooldown_Weeks;
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'policy/gtm-policy.json: Expansion_Cooldown_Week = 8: is not a known policy key; did you mean Expansion_Cooldown_Weeks?'
      ])
    );
  });

  it('refuses an unknown key, a missing key, a wrong type and a value that is not text', () => {
    const problems = problemsWith((p) => {
      p.Expansion_Surprise = { ...p.Expansion_Mode, value: '7' };
      delete p.Expansion_Playbook;
      p.Expansion_Cooldown_Weeks!.type = 'Number';
      p.Expansion_Min_Weekly_Tickets!.value = 50;
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'policy/gtm-policy.json: Expansion_Surprise = 7: is not a known policy key (add it with its type and range to scripts/policy/schema.ts)',
        'policy/gtm-policy.json: Expansion_Playbook: is missing (must be Text: text that is not blank)',
        'policy/gtm-policy.json: Expansion_Cooldown_Weeks.type = Number: must be Integer',
        'policy/gtm-policy.json: Expansion_Min_Weekly_Tickets = 50: must be written as text in quotes, e.g. "0.40"'
      ])
    );
    expect(problems).toHaveLength(4);
  });
});

describe('the policy loader (what usage sync, backtest, deploy and the workbench read through)', () => {
  let dir: string;
  const file = () => path.join(dir, 'policy', 'gtm-policy.json');
  beforeEach(() => (dir = makeTempProject(['sfdx-project.json', 'force-app', 'data', 'policy'])));
  afterEach(() => removeTempProject(dir));

  it.each(['-0.2', '1.5'])('refuses Expansion_Share_Threshold = %s before any rule reads it', (v) => {
    editFile(dir, 'policy/gtm-policy.json', '"value": "0.40",', `"value": "${v}",`);
    expect(() => thresholdsFromPolicy(loadPolicyFile(file()))).toThrow(InputError);
    expect(() => loadPolicyFile(file())).toThrow(
      new RegExp(
        `gtm-policy\\.json: Expansion_Share_Threshold = ${v.replace('.', '\\.')}: must be a share between 0 and 1`
      )
    );
  });

  it('refuses a key written twice, naming both lines', () => {
    editFile(dir, 'policy/gtm-policy.json', '"policies": {', '"policies": {\n    "Stage_Pilot": { "value": "Pilot" },');
    expect(() => loadPolicyFile(file())).toThrow(
      /gtm-policy\.json:\d+:5: Stage_Pilot is written twice in one object \(first on line 4\); JSON keeps only the last/
    );
  });

  it('reports a JSON syntax error by line and column', () => {
    editFile(dir, 'policy/gtm-policy.json', '"value": "0.40",', '"value": "0.40",,');
    const line = fs
      .readFileSync(file(), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('"0.40",,'));
    const column = fs.readFileSync(file(), 'utf8').split('\n')[line]!.indexOf(',,') + 2;
    expect(() => loadPolicyFile(file())).toThrow(
      new RegExp(`gtm-policy\\.json:${line + 1}:${column}: not valid JSON: `)
    );
  });
});

describe('JSON syntax positions', () => {
  it.each([
    ['{\n  "a": 1,\n}', 3, 1],
    ['{ "version": ', 1, 14],
    ['{"a" 1}', 1, 6],
    ['[1,]', 1, 4],
    ['{\n  "x": tru\n}', 2, 11],
    ['{"a": "\u0001"}', 1, 8],
    ['{"a": 01}', 1, 8],
    ['{"a": 1} x', 1, 10]
  ])('%j stops at %i:%i', (text, line, column) => {
    expect(() => JSON.parse(text)).toThrow();
    let err: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      err = e;
    }
    expect(jsonSyntaxError(text, err)).toMatchObject({ line, column });
    expect([...jsonSyntaxError(text, err).reason].some((c) => c < ' ')).toBe(false);
  });

  it('finds no error in valid JSON', () => {
    expect(jsonErrorOffset(fs.readFileSync(POLICY_JSON, 'utf8'))).toBe(-1);
    expect(jsonErrorOffset('{"a":[1,-2.5e3,true,false,null,"\\u00e9\\n"]}')).toBe(-1);
  });
});

describe('write-metadata', () => {
  it('refuses to render a value out of range, writing nothing', () => {
    const dir = makeTempProject(['force-app']);
    try {
      const good = loadPolicyFile();
      const bad = new Policy(
        { ...good.entries, Expansion_Share_Threshold: { ...good.entry('Expansion_Share_Threshold'), value: '1.5' } },
        good.version,
        'test'
      );
      const before = fs.readFileSync(recordFile('Expansion_Share_Threshold', dir), 'utf8');
      expect(() => writePolicyMetadata(bad, dir)).toThrow(/refusing to write GTM_Policy__mdt records/);
      expect(fs.readFileSync(recordFile('Expansion_Share_Threshold', dir), 'utf8')).toBe(before);
    } finally {
      removeTempProject(dir);
    }
  });
});

describe('gtm policy check / write-metadata / deploy --dry-run on a policy out of range', () => {
  const gtm = (args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gtm.js'), ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, GTM_DEBUG: '' }
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  const refused = (v: string, args: string[], dir: string) => {
    const r = gtm([...args, '--project-dir', dir]);
    expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
    expect(r.stderr).toContain(
      `gtm-policy.json: Expansion_Share_Threshold = ${v}: must be a share between 0 and 1 with at most 6 decimal places`
    );
    expect(r.stderr).not.toMatch(/unexpected failure/);
  };

  it.each(['-0.2', '1.5'])(
    'policy check refuses Expansion_Share_Threshold = %s, with the key, value and range',
    (v) => {
      const dir = makeTempProject();
      try {
        editFile(dir, 'policy/gtm-policy.json', '"value": "0.40",', `"value": "${v}",`);
        refused(v, ['policy', 'check'], dir);
      } finally {
        removeTempProject(dir);
      }
    }
  );

  it('write-metadata and deploy --dry-run refuse it too, and nothing is written', () => {
    const dir = makeTempProject();
    try {
      editFile(dir, 'policy/gtm-policy.json', '"value": "0.40",', '"value": "-0.2",');
      const record = recordFile('Expansion_Share_Threshold', dir);
      const before = fs.readFileSync(record, 'utf8');
      refused('-0.2', ['policy', 'write-metadata'], dir);
      refused('-0.2', ['deploy', '--dry-run'], dir);
      expect(fs.readFileSync(record, 'utf8')).toBe(before);
    } finally {
      removeTempProject(dir);
    }
  });

  it('policy check passes on a copy of the repository', () => {
    const dir = makeTempProject();
    try {
      const r = gtm(['policy', 'check', '--project-dir', dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`GTM_Policy__mdt records match .*gtm-policy.json \\(${Object.keys(POLICY_RULES).length} values\\)`)
      );
    } finally {
      removeTempProject(dir);
    }
  });
});
