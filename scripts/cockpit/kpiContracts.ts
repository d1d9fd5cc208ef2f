/**
 * The KPI contracts: GTM_KPI_Contract__mdt records in force-app, one per day-90 hard target of the seed. A contract
 * says what is counted (cohort, numerator, denominator, window, censoring, method) and names the policy keys that
 * hold the baseline, target and window, so no number is restated here. Every record is checked in full; one
 * InputError lists every problem with the file and field.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InputError } from '../lib/errors';
import { displayPath, projectPaths } from '../lib/paths';
import { parseRecord } from '../policy/customMetadata';
import type { RulePolicy } from '../rules/ruleSupport';

/** The policy reads the cockpit needs: the rules' reads plus dates (Program_Start_Date). `Policy` satisfies it. */
export interface CockpitPolicy extends RulePolicy {
  date(key: string): string;
}

const PREFIX = 'GTM_KPI_Contract.';
const SUFFIX = '.md-meta.xml';

export const KPI_METHODS = ['rate_wilson', 'km_median', 'km_cumulative'] as const;
export type KpiMethod = (typeof KPI_METHODS)[number];
export const DIRECTIONS = ['Higher is better', 'Lower is better'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** A filter clause: `Field = 'text'`, `Field = {Policy_Key}` or `Field != null`. */
export interface FilterClause {
  field: string;
  op: '=' | '!=';
  /** a literal, or null for `!= null` */
  value: { literal: string } | { policyKey: string } | null;
}

export interface KpiContract {
  /** the record's DeveloperName, e.g. Pilot_Start_Rate */
  key: string;
  label: string;
  unit: 'ratio' | 'days';
  direction: Direction;
  baselineKey: string;
  targetKey: string;
  denominator: { object: string; filter: FilterClause[]; dateField: string; linkField: string | null };
  numerator: { object: string; filter: FilterClause[]; dateField: string; linkField: string | null };
  cohort: string;
  /** policy key of the outcome window in days; null for a median */
  windowKey: string | null;
  censoring: string;
  method: KpiMethod;
  caveat: string;
  ownerRole: string;
  sortOrder: number;
}

const CLAUSE = /^([A-Za-z][A-Za-z0-9_]*)\s*(=|!=)\s*(null|'[^']*'|\{[A-Za-z][A-Za-z0-9_]*\})$/;

/** Parses a contract filter; throws a message naming the clause that is not in the accepted form. */
export function parseFilter(text: string | null): FilterClause[] {
  if (text === null || text.trim() === '') return [];
  return text.split(/\s+AND\s+/).map((raw) => {
    const clause = raw.trim();
    const m = CLAUSE.exec(clause);
    if (!m)
      throw new Error(
        `clause "${clause}" is not Field = 'text', Field = {Policy_Key} or Field != null (clauses joined by AND)`
      );
    const [, field, op, v] = m as unknown as [string, string, '=' | '!=', string];
    if (v === 'null') {
      if (op !== '!=') throw new Error(`clause "${clause}": only "!= null" is accepted for null`);
      return { field, op, value: null };
    }
    if (op !== '=') throw new Error(`clause "${clause}": "!=" is only accepted with null`);
    return {
      field,
      op,
      value: v.startsWith('{') ? { policyKey: v.slice(1, -1) } : { literal: v.slice(1, -1) }
    };
  });
}

const apiName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be an API name');
const policyKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a GTM_Policy__mdt key');
const text = z.string().min(1, 'is required');

const RecordSchema = z.object({
  Unit__c: z.enum(['ratio', 'days']),
  Direction__c: z.enum(DIRECTIONS),
  Baseline_Policy_Key__c: policyKey,
  Target_Policy_Key__c: policyKey,
  Denominator_Object__c: apiName,
  Denominator_Filter__c: z.string().nullable(),
  Denominator_Date_Field__c: apiName,
  Numerator_Object__c: apiName,
  Numerator_Filter__c: z.string().nullable(),
  Numerator_Date_Field__c: apiName,
  Numerator_Link_Field__c: apiName.nullable(),
  Denominator_Link_Field__c: apiName.nullable(),
  Cohort__c: text,
  Window_Policy_Key__c: policyKey.nullable(),
  Censoring__c: text,
  Method__c: z.enum(KPI_METHODS),
  Caveat__c: text,
  Owner_Role__c: text,
  Sort_Order__c: z.string().regex(/^\d+(\.0+)?$/, 'must be a whole number')
});

function contractFrom(file: string): KpiContract {
  const record = parseRecord(file);
  const key = path.basename(file).slice(PREFIX.length, -SUFFIX.length);
  const where = displayPath(file);
  const parsed = RecordSchema.safeParse(record.fields);
  if (!parsed.success)
    throw new InputError(`${where}: the KPI contract ${key} is not valid`, {
      details: parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`)
    });
  const r = parsed.data;
  const filter = (field: 'Denominator_Filter__c' | 'Numerator_Filter__c') => {
    try {
      return parseFilter(r[field]);
    } catch (err) {
      throw new InputError(`${where} [${field}]: ${(err as Error).message}`);
    }
  };
  const sameRecord = r.Numerator_Object__c === r.Denominator_Object__c && r.Numerator_Link_Field__c === null;
  if (!sameRecord && (r.Numerator_Link_Field__c === null || r.Denominator_Link_Field__c === null))
    throw new InputError(
      `${where}: the numerator is on ${r.Numerator_Object__c}, not the denominator's record: Numerator_Link_Field__c and Denominator_Link_Field__c are both required`
    );
  if (r.Method__c !== 'km_median' && r.Window_Policy_Key__c === null)
    throw new InputError(`${where} [Window_Policy_Key__c]: method ${r.Method__c} needs an outcome window`);
  return {
    key,
    label: record.label,
    unit: r.Unit__c,
    direction: r.Direction__c,
    baselineKey: r.Baseline_Policy_Key__c,
    targetKey: r.Target_Policy_Key__c,
    denominator: {
      object: r.Denominator_Object__c,
      filter: filter('Denominator_Filter__c'),
      dateField: r.Denominator_Date_Field__c,
      linkField: sameRecord ? null : r.Denominator_Link_Field__c
    },
    numerator: {
      object: r.Numerator_Object__c,
      filter: filter('Numerator_Filter__c'),
      dateField: r.Numerator_Date_Field__c,
      linkField: sameRecord ? null : r.Numerator_Link_Field__c
    },
    cohort: r.Cohort__c,
    windowKey: r.Window_Policy_Key__c,
    censoring: r.Censoring__c,
    method: r.Method__c,
    caveat: r.Caveat__c,
    ownerRole: r.Owner_Role__c,
    sortOrder: Number(r.Sort_Order__c)
  };
}

/** Every KPI contract in force-app, in Sort_Order__c order (then by key). */
export function loadKpiContracts(projectDir?: string): KpiContract[] {
  const dir = projectPaths(projectDir).customMetadata;
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.startsWith(PREFIX) && f.endsWith(SUFFIX))
        .map((f) => path.join(dir, f))
    : [];
  if (files.length === 0) throw new InputError(`${displayPath(dir)} holds no ${PREFIX}*${SUFFIX} KPI contracts`);
  return files
    .map(contractFrom)
    .sort((a, b) => a.sortOrder - b.sortOrder || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The policy values a contract reads, by key (baseline, target, window, and every {Key} in a filter). */
export function contractPolicyValues(contract: KpiContract, policy: RulePolicy): Record<string, string> {
  const keys = [contract.baselineKey, contract.targetKey, ...(contract.windowKey ? [contract.windowKey] : [])];
  for (const c of [...contract.denominator.filter, ...contract.numerator.filter])
    if (c.value && 'policyKey' in c.value) keys.push(c.value.policyKey);
  const values: Record<string, string> = {};
  for (const k of keys.sort()) values[k] = policyText(policy, k);
  return values;
}

/** A policy value as written, whatever its type (numbers through decimal, stage names through text). */
export function policyText(policy: RulePolicy, key: string): string {
  try {
    return policy.decimal(key);
  } catch {
    return policy.text(key);
  }
}

/**
 * The definition's hash: the contract and the policy values it reads, so a changed filter, window or target gives a
 * new hash and a snapshot can show that its definition moved. 12 hex digits of SHA-256.
 */
export function definitionHash(contract: KpiContract, policy: RulePolicy): string {
  const canonical = JSON.stringify({ contract, policy: contractPolicyValues(contract, policy) });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}
