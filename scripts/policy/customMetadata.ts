/**
 * GTM_Policy__mdt records <-> the policy file. The policy file is edited by people; `gtm policy write-metadata`
 * renders it into force-app/main/default/customMetadata, and `gtm policy check` (and a test) prove the two agree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { InputError } from '../lib/errors';
import { displayPath, projectPaths } from '../lib/paths';
import { Policy, PolicyEntry, policyProblems } from './policy';

export const POLICY_TYPE = 'GTM_Policy__mdt';
const RECORD_PREFIX = 'GTM_Policy.';
const RECORD_SUFFIX = '.md-meta.xml';

/** Which GTM_Policy__mdt field holds which property of a policy entry. */
export const POLICY_FIELDS: Record<keyof PolicyEntry, string> = {
  value: 'Value__c',
  type: 'Value_Type__c',
  category: 'Category__c',
  unit: 'Unit__c',
  experiment: 'Experiment_Key__c',
  source: 'Source__c',
  description: 'Description__c'
};

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function recordLabel(key: string): string {
  return key.replace(/_/g, ' ').slice(0, 40);
}

export function renderRecord(key: string, entry: PolicyEntry): string {
  const values = (Object.keys(POLICY_FIELDS) as (keyof PolicyEntry)[]).map((prop) => {
    const v = entry[prop];
    const value =
      v === undefined ? '<value xsi:nil="true"/>' : `<value xsi:type="xsd:string">${escapeXml(String(v))}</value>`;
    return `    <values>\n        <field>${POLICY_FIELDS[prop]}</field>\n        ${value}\n    </values>\n`;
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<CustomMetadata xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n' +
    `    <label>${escapeXml(recordLabel(key))}</label>\n` +
    '    <protected>false</protected>\n' +
    values.join('') +
    '</CustomMetadata>\n'
  );
}

export function recordFile(key: string, projectDir?: string): string {
  return path.join(projectPaths(projectDir).customMetadata, `${RECORD_PREFIX}${key}${RECORD_SUFFIX}`);
}

function listRecordFiles(projectDir?: string): string[] {
  const dir = projectPaths(projectDir).customMetadata;
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(RECORD_PREFIX) && f.endsWith(RECORD_SUFFIX))
    .sort()
    .map((f) => path.join(dir, f));
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => name === 'values'
});

/** Reads one record back into the field -> value map it deploys (null for xsi:nil). */
export function parseRecord(file: string): { key: string; label: string; fields: Record<string, string | null> } {
  const doc = parser.parse(fs.readFileSync(file, 'utf8')) as {
    CustomMetadata?: { label?: string; values?: { field: string; value: unknown }[] };
  };
  if (!doc.CustomMetadata) throw new InputError(`${displayPath(file)} is not a CustomMetadata record`);
  const fields: Record<string, string | null> = {};
  for (const v of doc.CustomMetadata.values ?? []) {
    const value = v.value;
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      fields[v.field] = o['@xsi:nil'] === 'true' ? null : String(o['#text'] ?? '');
    } else {
      fields[v.field] = value === undefined ? null : String(value);
    }
  }
  const base = path.basename(file);
  return {
    key: base.slice(RECORD_PREFIX.length, -RECORD_SUFFIX.length),
    label: String(doc.CustomMetadata.label ?? ''),
    fields
  };
}

/** One difference between the policy and a record: the record file (absent when it is missing) and what differs. */
export interface PolicyRecordDiff {
  key: string;
  /** the record file; for a key without a record, where it should be */
  file: string;
  message: string;
}

/** Every difference between the policy file and the records in force-app. */
export function policyRecordDiffs(policy: Policy, projectDir?: string): PolicyRecordDiff[] {
  const diffs: PolicyRecordDiff[] = [];
  const files = new Map(listRecordFiles(projectDir).map((f) => [parseRecord(f).key, f]));
  for (const key of policy.keys()) {
    const file = files.get(key);
    if (!file) {
      const want = recordFile(key, projectDir);
      diffs.push({ key, file: want, message: `${key}: in ${policy.origin} but no ${displayPath(want)}` });
      continue;
    }
    const record = parseRecord(file);
    const entry = policy.entry(key);
    for (const [prop, field] of Object.entries(POLICY_FIELDS) as [keyof PolicyEntry, string][]) {
      const want = entry[prop] === undefined ? null : String(entry[prop]);
      const got = record.fields[field] ?? null;
      if (want !== got)
        diffs.push({
          key,
          file,
          message: `${key}.${field}: policy file has ${JSON.stringify(want)}, metadata has ${JSON.stringify(got)}`
        });
    }
  }
  for (const [key, file] of files) {
    if (!(key in policy.entries))
      diffs.push({ key, file, message: `${key}: record in force-app but not in ${policy.origin}` });
  }
  return diffs;
}

/** Every difference between the policy file and the records in force-app, as readable lines. */
export function comparePolicyWithMetadata(policy: Policy, projectDir?: string): string[] {
  return policyRecordDiffs(policy, projectDir).map((d) => d.message);
}

/** Renders the policy into force-app; removes records whose key left the policy. Returns files written/removed. */
export function writePolicyMetadata(policy: Policy, projectDir?: string): { written: string[]; removed: string[] } {
  // a Policy built in code has not been through the schema: never render a value out of range
  const problems = policyProblems(policy);
  if (problems.length) {
    throw new InputError(
      `refusing to write GTM_Policy__mdt records: ${policy.origin} does not pass the policy schema`,
      {
        details: problems
      }
    );
  }
  const dir = projectPaths(projectDir).customMetadata;
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const removed: string[] = [];
  for (const key of policy.keys()) {
    const file = recordFile(key, projectDir);
    const xml = renderRecord(key, policy.entry(key));
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== xml) {
      fs.writeFileSync(file, xml);
      written.push(file);
    }
  }
  for (const file of listRecordFiles(projectDir)) {
    if (!(parseRecord(file).key in policy.entries)) {
      fs.rmSync(file);
      removed.push(file);
    }
  }
  return { written, removed };
}
