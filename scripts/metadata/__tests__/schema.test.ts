import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { checkFieldValue } from '../recordCheck';
import { externalIdField, loadSchema } from '../schema';

const schema = loadSchema();

describe('schema from force-app', () => {
  it('reads types, keys and relationships of the data model', () => {
    expect(schema.field('Usage_Snapshot__c', 'Account__c')).toMatchObject({
      type: 'MasterDetail',
      referenceTo: 'Account',
      required: true
    });
    expect(externalIdField(schema, 'Usage_Snapshot__c').apiName).toBe('Snapshot_Key__c');
    expect(externalIdField(schema, 'Expansion_Trigger__c').apiName).toBe('Trigger_Key__c');
    expect(externalIdField(schema, 'GTM_Experiment__c').apiName).toBe('Experiment_Key__c');
    expect(schema.field('Account', 'Usage_Account_Key__c')).toMatchObject({ externalId: true, unique: true });
    expect(schema.field('Expansion_Trigger__c', 'Status__c').picklistValues).toEqual([
      'Shadow',
      'Open',
      'Accepted',
      'Dismissed',
      'Converted',
      'Expired'
    ]);
    expect(schema.field('GTM_Experiment__c', 'Status__c').picklistValues).toEqual([
      'Proposed',
      'Running',
      'Hold',
      'Scale',
      'Kill',
      'Adopted'
    ]);
  });

  it('fails loudly on an unknown object or field', () => {
    expect(() => schema.field('Usage_Snapshot__c', 'Nope__c')).toThrow(
      'field Usage_Snapshot__c.Nope__c is not defined in force-app'
    );
    expect(() => schema.object('Nope__c')).toThrow('object Nope__c is not defined in force-app');
  });

  it('checks values the way the org would', () => {
    const share = schema.field('Usage_Snapshot__c', 'AI_Resolution_Share__c');
    expect(checkFieldValue(share, 0.412345)).toBeUndefined();
    expect(checkFieldValue(share, 12)).toMatch(/digits before the decimal point/);
    const status = schema.field('Expansion_Trigger__c', 'Status__c');
    expect(checkFieldValue(status, 'Open')).toBeUndefined();
    expect(checkFieldValue(status, 'open')).toMatch(/not a value of Status__c/);
    expect(checkFieldValue(schema.field('Usage_Snapshot__c', 'Week_Start__c'), '2026-02-30')).toMatch(/YYYY-MM-DD/);
    expect(checkFieldValue(schema.field('Usage_Snapshot__c', 'Week_Start__c'), '03/02/2026')).toMatch(/YYYY-MM-DD/);
    expect(checkFieldValue(schema.field('Usage_Snapshot__c', 'Snapshot_Key__c'), '')).toMatch(/required/);
  });
});

describe('sample data for scratch orgs (data/sample)', () => {
  const dir = path.join(REPO_ROOT, 'data', 'sample');
  const plan = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')) as {
    sobject: string;
    files: string[];
  }[];

  it.each(plan.flatMap((p) => p.files.map((f) => [p.sobject, f])))(
    '%s records in %s use only fields and values force-app defines',
    (sobject, file) => {
      const { records } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
        records: Record<string, unknown>[];
      };
      expect(records.length).toBeGreaterThan(0);
      const problems: string[] = [];
      for (const rec of records) {
        for (const [key, value] of Object.entries(rec)) {
          if (key === 'attributes' || !key.endsWith('__c')) continue;
          if (!schema.hasField(sobject, key)) {
            problems.push(`${sobject}.${key} does not exist`);
            continue;
          }
          const def = schema.field(sobject, key);
          if (typeof value === 'string' && value.startsWith('@')) continue; // tree-import reference
          const why = checkFieldValue(def, value as string);
          if (why) problems.push(`${sobject}.${key}: ${why}`);
        }
      }
      expect(problems).toEqual([]);
    }
  );
});
