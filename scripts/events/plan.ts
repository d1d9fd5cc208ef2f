/**
 * The tracking plan (tracking-plan/): the envelope every funnel event carries (common.json), one JSON Schema
 * (draft 2020-12) per event and SchemaVer version (events/<snake_name>/<MODEL-REVISION-ADDITION>.json), the
 * Salesforce mapping (mappings/salesforce.json) and the lineage of rules and KPIs that read events (lineage.json).
 * Read here once, compiled with ajv, and shared by the validate check, `gtm events` and the benchmark.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { describeFsError, InputError, type Problem } from '../lib/errors';
import { displayPath, REPO_ROOT } from '../lib/paths';

export const FUNNEL_STAGES = ['acquire', 'qualify', 'pilot', 'production', 'expand', 'churn'] as const;
export const ORIGINS = ['product', 'crm'] as const;
export const SYNC_RULES = ['product_always', 'crm_unless_blank', 'crm_always', 'never'] as const;
export type SyncRule = (typeof SYNC_RULES)[number];

/** The annotation keywords the plan adds to JSON Schema (ajv would refuse them as unknown in strict mode). */
export const PLAN_KEYWORDS = ['x-owner', 'x-trigger', 'x-stage', 'x-origin', 'x-pii', 'x-instant'];

export type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, PropertySchema>;
  required?: string[];
};
export type PropertySchema = Record<string, unknown> & {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  'x-pii'?: boolean;
  'x-instant'?: boolean;
  description?: string;
};

export interface EventVersion {
  name: string;
  /** SchemaVer text, e.g. 1-0-0 */
  version: string;
  /** tracking-plan/events/<dir>/<version>.json, relative to the project */
  file: string;
  schema: JsonSchema;
}

export interface FieldMap {
  field: string | null;
  rule: SyncRule;
}

export interface EventMapping {
  object: string;
  upsertKey: string;
  sourceOfTruth: 'product' | 'crm';
  fields: Record<string, FieldMap>;
}

export interface SalesforceMapping {
  envelope: Record<string, FieldMap>;
  events: Record<string, EventMapping>;
}

export interface Lineage {
  rules: { id: string; title: string; reads: string[]; code?: string }[];
  kpis: { id: string; title: string; reads: string[]; policy?: string[] }[];
}

export interface TrackingPlan {
  projectDir: string;
  envelope: JsonSchema;
  envelopeFile: string;
  /** event name -> versions, oldest first */
  events: Map<string, EventVersion[]>;
  mapping: SalesforceMapping;
  mappingFile: string;
  lineage: Lineage;
  lineageFile: string;
}

export const PLAN_DIR = 'tracking-plan';
export const MAPPING_FILE = `${PLAN_DIR}/mappings/salesforce.json`;
export const ENVELOPE_FILE = `${PLAN_DIR}/common.json`;
export const LINEAGE_FILE = `${PLAN_DIR}/lineage.json`;
export const EVENTS_DIR = `${PLAN_DIR}/events`;

const SCHEMAVER = /^(\d+)-(\d+)-(\d+)$/;

/** [MODEL, REVISION, ADDITION] of a SchemaVer, or undefined. */
export function parseSchemaVer(v: string): [number, number, number] | undefined {
  const m = SCHEMAVER.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function compareSchemaVer(a: string, b: string): number {
  const x = parseSchemaVer(a) ?? [0, 0, 0];
  const y = parseSchemaVer(b) ?? [0, 0, 0];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** "Knowledge Source Synced" -> knowledge_source_synced (the folder of its schemas). */
export const snakeName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '_');

function readJson(projectDir: string, rel: string, problems: Problem[]): unknown {
  let text: string;
  try {
    text = fs.readFileSync(path.join(projectDir, rel), 'utf8');
  } catch (err) {
    problems.push({ file: rel, message: `cannot read: ${describeFsError(err)}` });
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    problems.push({ file: rel, message: `not valid JSON: ${(err as Error).message}` });
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads the plan of a project. Unreadable or malformed files are problems (named by file), not exceptions, so the
 * validate check can report all of them; `loadPlanOrThrow` is the commands' strict form.
 */
export function readPlan(projectDir: string = REPO_ROOT): { plan: TrackingPlan; problems: Problem[] } {
  const problems: Problem[] = [];
  const envelope = readJson(projectDir, ENVELOPE_FILE, problems);
  const mapping = readJson(projectDir, MAPPING_FILE, problems);
  const lineage = readJson(projectDir, LINEAGE_FILE, problems);
  const events = new Map<string, EventVersion[]>();
  const eventsDir = path.join(projectDir, EVENTS_DIR);
  let dirs: string[] = [];
  try {
    dirs = fs
      .readdirSync(eventsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch (err) {
    problems.push({ file: EVENTS_DIR, message: `cannot read: ${describeFsError(err)}` });
  }
  for (const dir of dirs) {
    for (const f of fs.readdirSync(path.join(eventsDir, dir)).sort()) {
      const rel = `${EVENTS_DIR}/${dir}/${f}`;
      const version = f.replace(/\.json$/, '');
      if (!f.endsWith('.json') || !parseSchemaVer(version)) {
        problems.push({
          file: rel,
          message: 'an event schema file is named <MODEL-REVISION-ADDITION>.json, e.g. 1-0-0.json'
        });
        continue;
      }
      const schema = readJson(projectDir, rel, problems);
      if (!isObject(schema)) {
        if (schema !== undefined) problems.push({ file: rel, message: 'an event schema is a JSON object' });
        continue;
      }
      const name = typeof schema.title === 'string' ? schema.title : '';
      if (!name) {
        problems.push({ file: rel, message: 'has no "title": the event name (Object + past-tense action)' });
        continue;
      }
      const list = events.get(name) ?? [];
      list.push({ name, version, file: rel, schema: schema as JsonSchema });
      events.set(name, list);
    }
  }
  for (const list of events.values()) list.sort((a, b) => compareSchemaVer(a.version, b.version));
  const plan: TrackingPlan = {
    projectDir,
    envelope: (isObject(envelope) ? envelope : {}) as JsonSchema,
    envelopeFile: ENVELOPE_FILE,
    events,
    mapping: {
      envelope:
        isObject(mapping) && isObject(mapping.envelope) ? (mapping.envelope as SalesforceMapping['envelope']) : {},
      events: isObject(mapping) && isObject(mapping.events) ? (mapping.events as SalesforceMapping['events']) : {}
    },
    mappingFile: MAPPING_FILE,
    lineage: {
      rules: isObject(lineage) && Array.isArray(lineage.rules) ? (lineage.rules as Lineage['rules']) : [],
      kpis: isObject(lineage) && Array.isArray(lineage.kpis) ? (lineage.kpis as Lineage['kpis']) : []
    },
    lineageFile: LINEAGE_FILE
  };
  return { plan, problems };
}

/** The plan, or an InputError naming every unreadable file (commands cannot work on half a plan). */
export function loadPlan(projectDir: string = REPO_ROOT): TrackingPlan {
  const { plan, problems } = readPlan(projectDir);
  if (problems.length) {
    throw new InputError(`the tracking plan in ${displayPath(path.join(projectDir, PLAN_DIR))} cannot be read`, {
      details: problems.map((p) => `${p.file}: ${p.message}`)
    });
  }
  return plan;
}

/** An ajv for the plan: draft 2020-12, every error of a row (each is a violation), the plan's x- keywords. */
export function planAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
  ajv.addVocabulary(PLAN_KEYWORDS);
  return ajv;
}

export interface CompiledEvent {
  version: EventVersion;
  validate: ValidateFunction;
}

export interface CompiledPlan {
  plan: TrackingPlan;
  envelope: ValidateFunction;
  /** event name -> version -> compiled schema of its properties */
  events: Map<string, Map<string, CompiledEvent>>;
}

/** Compiles every schema; the first that does not compile is an InputError naming its file. */
export function compilePlan(plan: TrackingPlan): CompiledPlan {
  const ajv = planAjv();
  const compile = (schema: JsonSchema, file: string) => {
    try {
      return ajv.compile(schema);
    } catch (err) {
      throw new InputError(`${file}: the schema does not compile: ${(err as Error).message}`);
    }
  };
  const envelope = compile(plan.envelope, plan.envelopeFile);
  const events = new Map<string, Map<string, CompiledEvent>>();
  for (const [name, versions] of plan.events) {
    const byVersion = new Map<string, CompiledEvent>();
    for (const v of versions) byVersion.set(v.version, { version: v, validate: compile(v.schema, v.file) });
    events.set(name, byVersion);
  }
  return { plan, envelope, events };
}

/** The newest version of each event. */
export function latestVersions(plan: TrackingPlan): EventVersion[] {
  return [...plan.events.values()].map((list) => list[list.length - 1]!);
}
