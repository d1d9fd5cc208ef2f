/**
 * What `gtm validate --only tracking-plan` checks of the plan (tracking-plan/): each schema compiles and carries
 * its owner, trigger, stage and origin; names follow the convention (Object + past-tense action, Title Case);
 * each mapped field exists in force-app with a type and length that hold the property, and a PII property lands
 * only on a field approved for PII (complianceGroup PII); each event a rule or KPI reads exists; and each version
 * bump matches its change, against the previous version and against the last committed schema (git HEAD).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KpiContract, loadKpiContracts } from '../cockpit/kpiContracts';
import type { Problem } from '../lib/errors';
import { projectPaths } from '../lib/paths';
import { readMetadataXml, type FieldDef } from '../metadata/schema';
import { readPolicyJson } from '../policy/policy';
import type { SchemaIndex } from '../validate/schemaIndex';
import {
  EVENTS_DIR,
  FUNNEL_STAGES,
  ORIGINS,
  planAjv,
  snakeName,
  SYNC_RULES,
  compareSchemaVer,
  type EventVersion,
  type FieldMap,
  type JsonSchema,
  type PropertySchema,
  type TrackingPlan
} from './plan';
import { bumped, declaredBump, requiredBump, schemaChanges } from './versioning';

/** Past tenses that do not end in -ed. */
const IRREGULAR_PAST = new Set([
  'Sent',
  'Built',
  'Won',
  'Lost',
  'Made',
  'Paid',
  'Sold',
  'Held',
  'Set',
  'Begun',
  'Done',
  'Run',
  'Read'
]);
const TITLE_WORD = /^(?:[A-Z][a-z0-9]*|[A-Z0-9]{2,})$/;

/** Why an event name breaks the convention, or undefined. */
export function nameProblem(name: string): string | undefined {
  const words = name.split(' ');
  if (words.length < 2 || words.some((w) => !TITLE_WORD.test(w)))
    return `event name "${name}" must be Title Case words, Object then past-tense action (e.g. "Pilot Started")`;
  const last = words[words.length - 1]!;
  if (!/ed$/.test(last) && !IRREGULAR_PAST.has(last))
    return `event name "${name}" must end in a past-tense action ("${last}" is not one, e.g. "Started", "Sent")`;
  return undefined;
}

const TEXT_LENGTH: Record<string, number> = {
  Email: 80,
  Phone: 40,
  Url: 255,
  TextArea: 255,
  Lookup: 18,
  MasterDetail: 18
};
const STRING_TYPES = new Set([
  'Text',
  'TextArea',
  'LongTextArea',
  'Email',
  'Phone',
  'Url',
  'Picklist',
  'Lookup',
  'MasterDetail',
  'EncryptedText'
]);

const nonNullTypes = (p: PropertySchema) => [p.type ?? []].flat().filter((t) => t !== 'null');

/** The longest text the property can hold, when its schema bounds it. */
function maxTextLength(p: PropertySchema): number | undefined {
  if (p.enum) return Math.max(0, ...p.enum.filter((v): v is string => typeof v === 'string').map((v) => v.length));
  return p.maxLength;
}

/** Why `field` cannot hold `property`, or undefined when it can. */
export function incompatibility(p: PropertySchema, f: FieldDef): string | undefined {
  const types = nonNullTypes(p);
  if (types.length !== 1)
    return `the property has ${types.length ? types.join(' or ') : 'no'} type; map a property of one type`;
  const type = types[0]!;
  const field = `${f.objectApiName}.${f.apiName} (${f.type})`;
  if (p['x-instant']) {
    if (f.type === 'DateTime') return undefined;
    return `an instant maps to a DateTime field, not ${field}`;
  }
  if (f.type === 'DateTime' || f.type === 'Date')
    return `${field} holds a date, the property is a ${type} that is not an instant`;
  switch (type) {
    case 'string': {
      if (!STRING_TYPES.has(f.type)) return `a string cannot be stored in ${field}`;
      const max = maxTextLength(p);
      const room = f.type === 'Picklist' ? undefined : (f.length ?? TEXT_LENGTH[f.type]);
      if (f.type === 'Picklist') {
        const missing = (p.enum ?? []).filter((v) => !f.picklistValues.includes(String(v)));
        if (!p.enum) return `${field} is a picklist: the property needs an enum of its values`;
        if (missing.length) return `${field} has no picklist value ${missing.join(', ')}`;
        return undefined;
      }
      if (room === undefined) return undefined;
      if (max === undefined) return `the property has no maxLength (or enum) and ${field} holds ${room} characters`;
      if (max > room) return `the property holds up to ${max} characters, ${field} only ${room}`;
      return undefined;
    }
    case 'integer':
    case 'number': {
      if (!['Number', 'Percent', 'Currency'].includes(f.type)) return `a ${type} cannot be stored in ${field}`;
      if (type === 'number' && (f.scale ?? 0) === 0)
        return `${field} has no decimal places; the property is a number, not an integer`;
      const digits = (f.precision ?? 18) - (f.scale ?? 0);
      const bound = Math.max(Math.abs(p.maximum ?? Infinity), Math.abs(p.minimum ?? 0));
      if (!Number.isFinite(bound)) return `the property has no maximum and ${field} holds ${digits} digits`;
      if (String(Math.trunc(bound)).length > digits)
        return `the property reaches ${bound}, ${field} holds ${digits} digits`;
      return undefined;
    }
    case 'boolean':
      return f.type === 'Checkbox' ? undefined : `a boolean maps to a Checkbox, not ${field}`;
    default:
      return `a property of type ${type} cannot be mapped to a field`;
  }
}

/** True when the field's metadata approves it for PII (complianceGroup lists PII). */
export function approvedForPii(f: FieldDef): boolean {
  try {
    const doc = readMetadataXml(f.file) as { CustomField?: { complianceGroup?: unknown } };
    return String(doc.CustomField?.complianceGroup ?? '')
      .split(';')
      .map((s) => s.trim())
      .includes('PII');
  } catch {
    return false;
  }
}

/** `Field__c` on object, or `Rel__r.Key__c` through a lookup: the field that holds the value, or why none does. */
function resolveField(idx: SchemaIndex, object: string, name: string): FieldDef | string {
  const [first, second] = name.split('.');
  if (second !== undefined) {
    const parent = idx.parentOf(object, first!);
    if (!parent) return `${object} has no lookup ${first!.replace(/__r$/i, '__c')} for ${name}`;
    return idx.field(parent, second) ?? `${parent}.${second} (through ${object}.${first}) does not exist in force-app`;
  }
  return idx.field(object, name) ?? `${object}.${name} does not exist in force-app`;
}

function checkFieldMap(
  idx: SchemaIndex,
  object: string,
  property: string,
  schema: PropertySchema,
  map: FieldMap | undefined,
  file: string,
  where: string,
  problems: Problem[]
) {
  const at = { file, field: `${where}.${property}` };
  if (!map) {
    problems.push({ ...at, message: `property ${property} has no mapping; map it to a field or give it rule "never"` });
    return;
  }
  if (!SYNC_RULES.includes(map.rule)) {
    problems.push({ ...at, message: `rule "${String(map.rule)}" is not one of ${SYNC_RULES.join(', ')}` });
    return;
  }
  if (map.field === null || map.field === undefined) {
    if (map.rule !== 'never') problems.push({ ...at, message: `rule ${map.rule} needs a field (or use rule "never")` });
    return;
  }
  const f = resolveField(idx, object, map.field);
  if (typeof f === 'string') {
    problems.push({ ...at, message: `mapped field ${f}` });
    return;
  }
  const why = incompatibility(schema, f);
  if (why) problems.push({ ...at, message: `type mismatch: ${why}` });
  if (schema['x-pii'] && !approvedForPii(f))
    problems.push({
      ...at,
      message: `PII property ${property} maps to ${f.objectApiName}.${f.apiName}, which is not approved for PII (its metadata has no complianceGroup PII)`
    });
}

function checkMapping(plan: TrackingPlan, idx: SchemaIndex, problems: Problem[]) {
  const file = plan.mappingFile;
  const latest = new Map([...plan.events].map(([n, list]) => [n, list[list.length - 1]!]));
  const objects = new Set<string>();
  for (const name of Object.keys(plan.mapping.events))
    if (!latest.has(name))
      problems.push({ file, field: name, message: `maps event "${name}", which the plan does not have` });
  for (const [name, v] of latest) {
    const m = plan.mapping.events[name];
    if (!m) {
      problems.push({ file, field: name, message: `event "${name}" (${v.file}) has no mapping` });
      continue;
    }
    if (!ORIGINS.includes(m.sourceOfTruth))
      problems.push({ file, field: name, message: `sourceOfTruth must be ${ORIGINS.join(' or ')}` });
    if (!idx.object(m.object)) {
      problems.push({ file, field: name, message: `object ${m.object} does not exist in force-app` });
      continue;
    }
    objects.add(m.object);
    const key = idx.field(m.object, m.upsertKey);
    if (!key || !key.externalId)
      problems.push({
        file,
        field: name,
        message: `upsert key ${m.object}.${m.upsertKey} is not an external ID field in force-app`
      });
    const props = v.schema.properties ?? {};
    for (const [p, s] of Object.entries(props)) checkFieldMap(idx, m.object, p, s, m.fields?.[p], file, name, problems);
    for (const p of Object.keys(m.fields ?? {}))
      if (!(p in props))
        problems.push({ file, field: `${name}.${p}`, message: `maps property ${p}, which ${v.file} does not have` });
  }
  const envelopeProps = plan.envelope.properties ?? {};
  for (const object of objects) {
    for (const [p, s] of Object.entries(envelopeProps)) {
      if (p === 'properties') continue;
      checkFieldMap(idx, object, p, s, plan.mapping.envelope[p], file, 'envelope', problems);
    }
  }
}

function checkSchema(v: EventVersion, problems: Problem[]) {
  const s = v.schema;
  const dir = v.file.split('/').slice(-2, -1)[0];
  const at = (message: string) => problems.push({ file: v.file, message });
  const bad = nameProblem(v.name);
  if (bad) at(bad);
  if (dir !== snakeName(v.name)) at(`event "${v.name}" belongs in ${EVENTS_DIR}/${snakeName(v.name)}/, not ${dir}/`);
  if (s.$schema !== 'https://json-schema.org/draft/2020-12/schema')
    at('$schema must be https://json-schema.org/draft/2020-12/schema');
  const id = `gtm:events/${snakeName(v.name)}/${v.version}`;
  if (s.$id !== id) at(`$id must be ${id}`);
  for (const k of ['x-owner', 'x-trigger'])
    if (typeof s[k] !== 'string' || !(s[k] as string).trim())
      at(`${k} is required (${k === 'x-owner' ? 'who owns the event' : 'the exact condition under which it fires'})`);
  if (!FUNNEL_STAGES.includes(s['x-stage'] as never)) at(`x-stage must be one of ${FUNNEL_STAGES.join(', ')}`);
  if (!ORIGINS.includes(s['x-origin'] as never)) at(`x-origin must be ${ORIGINS.join(' or ')}`);
  if (s.type !== 'object' || s.additionalProperties !== false)
    at('an event schema is "type": "object" with "additionalProperties": false (unplanned properties are violations)');
  for (const p of Object.keys(s.properties ?? {}))
    if (!/^[a-z][a-z0-9_]*$/.test(p)) at(`property ${p} must be snake_case`);
}

function checkLineage(plan: TrackingPlan, policyKeys: Set<string> | undefined, problems: Problem[]) {
  const file = plan.lineageFile;
  for (const item of [...plan.lineage.rules, ...plan.lineage.kpis]) {
    for (const e of item.reads ?? [])
      if (!plan.events.has(e))
        problems.push({ file, field: item.id, message: `reads event "${e}", which the plan does not have` });
    for (const k of ('policy' in item ? item.policy : undefined) ?? [])
      if (policyKeys && !policyKeys.has(k))
        problems.push({
          file,
          field: item.id,
          message: `names policy key ${k}, which policy/gtm-policy.json does not have`
        });
  }
}

/**
 * A KPI contract (force-app's GTM_KPI_Contract records) that counts Funnel_Event__c rows by Event_Name__c names
 * an event of the plan, spelled as the plan names it ("Onboarding Activated"): a name no event has matches no row,
 * and the KPI reads "insufficient data" forever without a word.
 */
function checkKpiEvents(plan: TrackingPlan, problems: Problem[]) {
  let contracts: KpiContract[];
  try {
    contracts = loadKpiContracts(plan.projectDir);
  } catch {
    return; // a project without KPI contracts, or one the cockpit's own loader refuses with its message
  }
  for (const c of contracts)
    for (const [role, side] of [
      ['numerator', c.numerator],
      ['denominator', c.denominator]
    ] as const) {
      if (side.object !== FUNNEL_EVENT_OBJECT) continue;
      for (const clause of side.filter) {
        const value = clause.value;
        if (clause.field !== 'Event_Name__c' || !value || !('literal' in value)) continue;
        if (!plan.events.has(value.literal))
          problems.push({
            file: `force-app/main/default/customMetadata/GTM_KPI_Contract.${c.key}.md-meta.xml`,
            field: `${role} filter`,
            message: `counts Funnel_Event__c rows named "${value.literal}", which the plan does not have${suggestEvent(plan, value.literal)}`
          });
      }
    }
}

const FUNNEL_EVENT_OBJECT = 'Funnel_Event__c';

/** ' (did you mean "X"?)' when a plan event has the same words in another spelling (snake_case, case). */
function suggestEvent(plan: TrackingPlan, name: string): string {
  const words = (n: string) =>
    n
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ')
      .trim();
  const match = [...plan.events.keys()].find((e) => words(e) === words(name));
  return match ? ` (did you mean "${match}"?)` : '';
}

/** Runs git in the project; undefined when it is not a repository or the object does not exist. */
function git(projectDir: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: projectDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** Committed schema files by event folder: folder -> versions in HEAD (empty without git or a commit). */
function committedVersions(projectDir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const list = git(projectDir, ['ls-tree', '-r', '--name-only', 'HEAD', `${EVENTS_DIR}/`]);
  const prefix = (git(projectDir, ['rev-parse', '--show-prefix']) ?? '').trim();
  for (const line of (list ?? '').split('\n')) {
    const rel = line.startsWith(prefix) ? line.slice(prefix.length) : line;
    const m = new RegExp(`^${EVENTS_DIR}/([^/]+)/(\\d+-\\d+-\\d+)\\.json$`).exec(rel);
    if (!m) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  for (const v of out.values()) v.sort(compareSchemaVer);
  return out;
}

function committedSchema(projectDir: string, rel: string): JsonSchema | undefined {
  const text = git(projectDir, ['show', `HEAD:./${rel}`]);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as JsonSchema;
  } catch {
    return undefined;
  }
}

function checkBump(
  from: { version: string; schema: JsonSchema; label: string },
  to: EventVersion,
  problems: Problem[]
) {
  const changes = schemaChanges(from.schema, to.schema);
  const needed = requiredBump(changes);
  const declared = declaredBump(from.version, to.version);
  const list = changes
    .filter((c) => c.bump === needed)
    .map((c) => c.what)
    .join('; ');
  if (!needed) {
    problems.push({
      file: to.file,
      message: `version ${to.version} changes nothing that validates differently from ${from.label}; a new version needs a change`
    });
  } else if (!declared) {
    problems.push({
      file: to.file,
      message: `version ${to.version} does not follow ${from.version}: a ${needed} change (${list}) is version ${bumped(from.version, needed)}`
    });
  } else if (declared !== needed) {
    problems.push({
      file: to.file,
      message: `version ${to.version} is an ${declared} bump from ${from.label} but the change is ${needed} (${list}); name it ${bumped(from.version, needed)}`
    });
  }
}

function checkVersions(plan: TrackingPlan, problems: Problem[]) {
  const committed = committedVersions(plan.projectDir);
  for (const [, versions] of plan.events) {
    const dir = versions[0]!.file.split('/').slice(-2, -1)[0]!;
    const inHead = committed.get(dir) ?? [];
    // a committed version is published: changing what it accepts in place breaks senders who rely on it
    for (const v of versions) {
      if (!inHead.includes(v.version)) continue;
      const before = committedSchema(plan.projectDir, v.file);
      if (!before) continue;
      const changes = schemaChanges(before, v.schema);
      const needed = requiredBump(changes);
      if (needed)
        problems.push({
          file: v.file,
          message: `version ${v.version} is committed and was changed in place (${needed}: ${changes.map((c) => c.what).join('; ')}); restore it and add version ${bumped(versions[versions.length - 1]!.version, needed)}`
        });
    }
    // each newer version against the one before it (the last committed one where the tree no longer has it)
    const base = inHead[inHead.length - 1];
    let prev: { version: string; schema: JsonSchema; label: string } | undefined;
    if (base && !versions.some((v) => v.version === base)) {
      const schema = committedSchema(plan.projectDir, `${EVENTS_DIR}/${dir}/${base}.json`);
      if (schema) prev = { version: base, schema, label: `${base} (committed)` };
    }
    for (const v of versions) {
      if (prev && compareSchemaVer(v.version, prev.version) > 0) checkBump(prev, v, problems);
      if (!prev || compareSchemaVer(v.version, prev.version) > 0)
        prev = { version: v.version, schema: v.schema, label: v.version };
    }
  }
}

function compileEach(plan: TrackingPlan, problems: Problem[]) {
  const ajv = planAjv();
  const all: { file: string; schema: JsonSchema }[] = [
    { file: plan.envelopeFile, schema: plan.envelope },
    ...[...plan.events.values()].flat().map((v) => ({ file: v.file, schema: v.schema }))
  ];
  for (const { file, schema } of all) {
    try {
      ajv.compile(schema);
    } catch (err) {
      problems.push({ file, message: `the schema does not compile: ${(err as Error).message}` });
    }
  }
}

/** Every problem of the plan; `idx` is force-app's schema. */
export function checkPlan(plan: TrackingPlan, idx: SchemaIndex): Problem[] {
  const problems: Problem[] = [];
  compileEach(plan, problems);
  for (const versions of plan.events.values()) for (const v of versions) checkSchema(v, problems);
  const names = new Map<string, string>();
  for (const name of plan.events.keys()) {
    const k = name.toLowerCase();
    if (names.has(k))
      problems.push({
        file: plan.events.get(name)![0]!.file,
        message: `event "${name}" differs from "${names.get(k)}" only in case`
      });
    names.set(k, name);
  }
  checkMapping(plan, idx, problems);
  let policyKeys: Set<string> | undefined;
  try {
    const { raw } = readPolicyJson(projectPaths(plan.projectDir).policyFile);
    const policies = (raw as { policies?: unknown } | null)?.policies;
    policyKeys = new Set(typeof policies === 'object' && policies !== null ? Object.keys(policies) : []);
  } catch {
    policyKeys = undefined; // the policy check reports an unreadable policy file
  }
  checkLineage(plan, policyKeys, problems);
  checkKpiEvents(plan, problems);
  checkVersions(plan, problems);
  return problems;
}

export const planExists = (projectDir: string) => fs.existsSync(path.join(projectDir, EVENTS_DIR));
