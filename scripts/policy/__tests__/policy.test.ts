import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../lib/errors';
import { REPO_ROOT } from '../../lib/paths';
import { loadSchema } from '../../metadata/schema';
import { editFile, makeTempProject, removeTempProject } from '../../test-support/tempProject';
import {
  comparePolicyWithMetadata,
  parseRecord,
  POLICY_FIELDS,
  POLICY_TYPE,
  recordFile,
  renderRecord,
  writePolicyMetadata
} from '../customMetadata';
import { loadPolicyFile, parsePolicyFile } from '../policy';

const policy = loadPolicyFile();

describe('policy file', () => {
  it('holds the exp-005 rule values the usage engine reads', () => {
    expect(policy.decimal('Expansion_Share_Threshold')).toBe('0.40');
    expect(policy.integer('Expansion_Min_Weekly_Tickets')).toBe(50);
    expect(policy.integer('Expansion_Consecutive_Weeks')).toBe(3);
    expect(policy.integer('Expansion_Cooldown_Weeks')).toBe(8);
    expect(policy.text('Expansion_Mode')).toBe('shadow');
    expect(policy.date('Program_Start_Date')).toBe('2026-03-02');
    expect(policy.list('Security_Required_Collateral')).toContain('SOC 2 Type II');
  });

  const seed = path.join(REPO_ROOT, '..', 'shared', 'seed', 'gtm-execution-pack.md');
  (fs.existsSync(seed) ? it : it.skip)('has a value for every hard target and threshold the seed states', () => {
    const text = fs.readFileSync(seed, 'utf8');
    const values = new Set(policy.keys().map((k) => Number(policy.entry(k).value)));
    // hard targets "a -> b", percentages "NN percent" / "NN%", and the day counts of the targets
    const numbers = [
      ...[...text.matchAll(/`(\d+(?:\.\d+)?)(?: days)? -> (\d+(?:\.\d+)?)(?: days)?`/g)].flatMap((m) => [m[1], m[2]]),
      ...[...text.matchAll(/(\d+) ?(?:percent|%)/g)].map((m) => String(Number(m[1]) / 100))
    ].map(Number);
    expect(numbers.length).toBeGreaterThan(10);
    const missing = numbers.filter((n) => !values.has(n));
    expect(missing).toEqual([]);
  });

  it('rejects a value that does not match its type, naming the key', () => {
    const raw = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'policy', 'gtm-policy.json'), 'utf8'));
    raw.policies.Expansion_Share_Threshold.value = 'forty percent';
    expect(() => parsePolicyFile(raw, 'test.json')).toThrow(InputError);
    expect(() => parsePolicyFile(raw, 'test.json')).toThrow(
      'test.json: Expansion_Share_Threshold = forty percent: must be a share between 0 and 1'
    );
  });

  it('rejects a key that cannot be a Custom Metadata record name (no rule has one)', () => {
    const raw = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'policy', 'gtm-policy.json'), 'utf8'));
    raw.policies.Bad__Name = { value: '1', type: 'Integer', category: 'Program', source: 's', description: 'd' };
    expect(() => parsePolicyFile(raw, 'test.json')).toThrow(/test.json: Bad__Name = 1: is not a known policy key/);
  });

  it('refuses to read a value as another type or a key it does not have', () => {
    expect(() => policy.integer('Expansion_Mode')).toThrow(/Expansion_Mode .* is a Text, expected Integer/);
    expect(() => policy.decimal('No_Such_Key')).toThrow(/no value for No_Such_Key/);
  });

  it('names the file, line and column when the policy file is not JSON', () => {
    const dir = makeTempProject(['policy']);
    try {
      fs.writeFileSync(path.join(dir, 'policy', 'gtm-policy.json'), '{ "version": ');
      expect(() => loadPolicyFile(path.join(dir, 'policy', 'gtm-policy.json'))).toThrow(
        /gtm-policy.json:1:14: not valid JSON: unexpected end of the file$/
      );
    } finally {
      removeTempProject(dir);
    }
  });
});

describe('GTM_Policy__mdt records', () => {
  it('agree with the policy file, value for value', () => {
    expect(comparePolicyWithMetadata(policy)).toEqual([]);
  });

  it('are stored in fields that exist on GTM_Policy__mdt', () => {
    const schema = loadSchema();
    for (const field of Object.values(POLICY_FIELDS)) expect(schema.hasField(POLICY_TYPE, field)).toBe(true);
    const types = schema.field(POLICY_TYPE, 'Value_Type__c').picklistValues;
    const categories = schema.field(POLICY_TYPE, 'Category__c').picklistValues;
    for (const key of policy.keys()) {
      expect(types).toContain(policy.entry(key).type);
      expect(categories).toContain(policy.entry(key).category);
    }
  });

  it('round-trip: a rendered record reads back to the same values, escaped', () => {
    const dir = makeTempProject(['force-app']);
    try {
      const entry = {
        value: '0.40',
        type: 'Number' as const,
        category: 'Expansion' as const,
        source: 'a <b> & "c"',
        description: 'd'
      };
      fs.writeFileSync(recordFile('Round_Trip', dir), renderRecord('Round_Trip', entry));
      const back = parseRecord(recordFile('Round_Trip', dir));
      expect(back.key).toBe('Round_Trip');
      expect(back.fields).toMatchObject({ Value__c: '0.40', Source__c: 'a <b> & "c"', Unit__c: null });
    } finally {
      removeTempProject(dir);
    }
  });

  it('a changed record or a record without a policy entry is reported, and write-metadata repairs both', () => {
    const dir = makeTempProject(['force-app', 'policy']);
    try {
      const rel = path.relative(dir, recordFile('Expansion_Share_Threshold', dir));
      editFile(dir, rel, '>0.40<', '>0.35<');
      fs.copyFileSync(recordFile('Expansion_Mode', dir), recordFile('Stale_Value', dir));
      const p = loadPolicyFile(path.join(dir, 'policy', 'gtm-policy.json'));
      const diffs = comparePolicyWithMetadata(p, dir);
      expect(diffs).toEqual(
        expect.arrayContaining([
          expect.stringContaining('Expansion_Share_Threshold.Value__c: policy file has "0.40", metadata has "0.35"'),
          expect.stringContaining('Stale_Value: record in force-app but not in')
        ])
      );
      const { written, removed } = writePolicyMetadata(p, dir);
      expect(written).toHaveLength(1);
      expect(removed).toHaveLength(1);
      expect(comparePolicyWithMetadata(p, dir)).toEqual([]);
    } finally {
      removeTempProject(dir);
    }
  });
});
