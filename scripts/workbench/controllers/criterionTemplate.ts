/**
 * The pilot success-criteria template: GTM_Criterion_Template__mdt records in force-app (what the org's
 * applyTemplate reads with GTM_Criterion_Template__mdt.getAll()). Only active records count, in Sort_Order__c order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { InputError } from '../../lib/errors';
import { displayPath, projectPaths } from '../../lib/paths';

const PREFIX = 'GTM_Criterion_Template.';
const SUFFIX = '.md-meta.xml';

export interface CriterionTemplate {
  /** the record's DeveloperName: Pilot_Criterion__c.Template_Key__c */
  key: string;
  metric: string;
  unit: string | null;
  targetValue: number | null;
  /** a policy key whose value is the target (wins over targetValue) */
  targetPolicyKey: string | null;
  targetDirection: string | null;
  weight: number | null;
  sortOrder: number | null;
  /** due date = pilot start + dueDays */
  dueDays: number | null;
  templateVersion: string | null;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => name === 'values'
});

const text = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? null : v);
const number = (v: string | null | undefined) => (text(v) === null ? null : Number(v));

function fieldsOf(file: string): Record<string, string | null> {
  const doc = parser.parse(fs.readFileSync(file, 'utf8')) as {
    CustomMetadata?: { label?: unknown; values?: { field: string; value: unknown }[] };
  };
  if (!doc.CustomMetadata) throw new InputError(`${displayPath(file)} is not a CustomMetadata record`);
  const out: Record<string, string | null> = { MasterLabel: text(String(doc.CustomMetadata.label ?? '').trim()) };
  for (const v of doc.CustomMetadata.values ?? []) {
    const value = v.value;
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      out[String(v.field)] = o['@xsi:nil'] === 'true' ? null : String(o['#text'] ?? '').trim();
    } else {
      out[String(v.field)] = value === undefined ? null : String(value).trim();
    }
  }
  return out;
}

/** The active template records, in Sort_Order__c order (then by key). */
export function loadCriterionTemplate(projectDir?: string): CriterionTemplate[] {
  const dir = projectPaths(projectDir).customMetadata;
  if (!fs.existsSync(dir)) return [];
  const out: CriterionTemplate[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) continue;
    const f = fieldsOf(path.join(dir, name));
    if (f.Active__c !== 'true') continue;
    const key = name.slice(PREFIX.length, -SUFFIX.length);
    out.push({
      key,
      // a template without a metric names it by its label, as the org's applyTemplate does
      metric: text(f.Metric__c) ?? f.MasterLabel ?? key,
      unit: text(f.Unit__c),
      targetValue: number(f.Target_Value__c),
      targetPolicyKey: text(f.Target_Policy_Key__c),
      targetDirection: text(f.Target_Direction__c),
      weight: number(f.Weight__c),
      sortOrder: number(f.Sort_Order__c),
      dueDays: number(f.Due_Days__c),
      templateVersion: text(f.Template_Version__c)
    });
  }
  return out.sort(
    (a, b) =>
      (a.sortOrder ?? Number.MAX_SAFE_INTEGER) - (b.sortOrder ?? Number.MAX_SAFE_INTEGER) || a.key.localeCompare(b.key)
  );
}
