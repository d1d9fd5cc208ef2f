/**
 * `gtm events sync`: an event file -> the mapped objects (Funnel_Event__c), through the usage sync's sinks (the
 * local store, or an org through Bulk API 2.0). Nothing is dropped:
 * - violating rows are quarantined to rejects.csv with their violations;
 * - rows sharing an event id with a different payload are a conflict and all of them are quarantined (the usage
 *   sync's duplicate rule); identical repeats are duplicates, written once;
 * - rows of a source first seen less than Events_Validate_Only_Days ago are validated and held, not written;
 * - the rest are upserted by event id; an event whose mapped values match what the sync last wrote (its payload
 *   hash) is unchanged and not sent, so a re-run writes nothing. Each field follows its mapping rule:
 *   product_always overwrites, crm_unless_blank writes only into a blank field, crm_always only on create, never not.
 * - an event written for an ISO week that is already complete is late; when the store already held events of that
 *   account, event and week (the week was read and aggregated from them), the week is restated: written like any
 *   other event (the readers recompute the week from the rows), counted and named in the summary and
 *   restatements.csv, never dropped, and never doubled (the upsert is by event id).
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../lib/errors';
import { writeExportFiles } from '../lib/exportFiles';
import { plural } from '../lib/text';
import type { Policy } from '../policy/policy';
import type { SObjectRow } from '../usage/records';
import type { UsageSink } from '../usage/sink';
import { nsToMs, parseInstant } from '../usage/instant';
import type { Encoding } from '../usage/encoding';
import { isoWeekLabel, isWeekComplete, weekIndexOf, weekIndexOfLabel } from '../usage/isoWeek';
import type { CompiledPlan, FieldMap, SyncRule } from './plan';
import { validateEventFile, VIOLATION_HEADER, violationLines, type JudgedRow } from './validate';
import { countReject, recordSyncRun, sourceRun, type SourceRun } from '../cockpit/syncRuns';

export const EVENT_OBJECT = 'Funnel_Event__c';
export const EVENT_KEY_FIELD = 'Event_Id__c';
export const PAYLOAD_HASH_FIELD = 'Payload_Hash__c';
export const SOURCE_OBJECT = 'Event_Source__c';
export const SOURCE_KEY_FIELD = 'Source_Key__c';
export const SOURCE_FIRST_SEEN_FIELD = 'First_Seen__c';
const ACCOUNT_KEY = 'Usage_Account_Key__c';
/** the event row's account, by its usage key */
export const EVENT_ACCOUNT_FIELD = 'Account__r.Usage_Account_Key__c';
const DAY_MS = 86_400_000;
/** a rejected row whose source cannot be read */
const UNKNOWN_SOURCE = '(no source)';
const MINUTE_NS = 60_000_000_000n;

export interface EventSyncOptions {
  input: string;
  asOfMs: number;
  dryRun: boolean;
  maxViolationRate: number;
  exportDir?: string;
  encoding?: Encoding;
}

export interface SourceState {
  source: string;
  first_seen: string;
  /** when writes from it start (first seen + Events_Validate_Only_Days) */
  writes_from: string;
  validate_only: boolean;
  new_in_this_run: boolean;
  rows: number;
}

export interface EventSyncSummary {
  input: string;
  sink: string;
  as_of: string;
  dry_run: boolean;
  rows: number;
  valid: number;
  /** violating rows, quarantined */
  quarantined: number;
  /** rows of event ids given with different payloads, all quarantined */
  conflicts: number;
  /** identical repeats of an event id, written once */
  duplicates: number;
  /** rows of sources still validate-only */
  held_validate_only: number;
  /** events written (or, in a dry run, to be written) for ISO weeks already complete as of the run */
  late_events: number;
  /** complete weeks (account, event, week) that held events before and that late events change */
  restated_weeks: number;
  written: number;
  unchanged: number;
  failed: number;
  sources: SourceState[];
  by_type: Record<string, number>;
}

export interface Reject {
  line: number;
  reason: string;
  raw: string;
}

/** A complete week of an account's event that this run changes after it was aggregated. */
export interface Restatement {
  account: string;
  event: string;
  iso_week: string;
  /** events of the week in the store before the run */
  events_before: number;
  /** after it: new event ids added (a corrected event id counts once) */
  events_after: number;
  /** the run's event ids in the week (new or corrected) */
  event_ids: string[];
}

export interface EventSyncResult {
  summary: EventSyncSummary;
  restatements: Restatement[];
  rejects: Reject[];
  failures: { key: string; error: string }[];
  violating: JudgedRow[];
}

/** The event without what may differ between two sends of the same event (received_at), keys sorted. */
function payloadOf(event: Record<string, unknown>): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon((v as Record<string, unknown>)[k])])
          )
        : v;
  const { received_at: _received, ...rest } = event;
  return JSON.stringify(canon(rest));
}

/** A value as the field stores it: instants in ISO UTC with milliseconds (DateTime), booleans as true/false. */
function fieldValue(value: unknown, instant: boolean): string | number | null {
  if (value === undefined || value === null) return null;
  if (instant && typeof value === 'string') {
    const ns = parseInstant(value);
    return ns === undefined ? null : new Date(nsToMs(ns)).toISOString();
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

const blank = (v: unknown) => v === null || v === undefined || v === '';

/** Whether a field with `rule` is written: on create (no stored row) or over the stored value. */
export function writesField(rule: SyncRule, stored: SObjectRow | undefined, field: string): boolean {
  switch (rule) {
    case 'product_always':
      return true;
    case 'crm_unless_blank':
      return !stored || blank(stored[field]);
    case 'crm_always':
      return !stored;
    case 'never':
      return false;
  }
}

export interface Mapped {
  /** field -> value, every mapped field */
  values: SObjectRow;
  rules: Map<string, SyncRule>;
  hash: string;
}

/** The mapped field values of a valid event (tracking-plan/mappings/salesforce.json), with their rules and hash. */
export function mapEvent(compiled: CompiledPlan, event: Record<string, unknown>): Mapped {
  const plan = compiled.plan;
  const values: SObjectRow = {};
  const rules = new Map<string, SyncRule>();
  const put = (maps: Record<string, FieldMap>, source: Record<string, unknown>, schema: Record<string, unknown>) => {
    for (const [prop, m] of Object.entries(maps)) {
      if (!m.field || m.rule === 'never') continue;
      const instant = Boolean((schema[prop] as { 'x-instant'?: boolean } | undefined)?.['x-instant']);
      values[m.field] = fieldValue(source[prop], instant);
      rules.set(m.field, m.rule);
    }
  };
  const name = String(event.event_name);
  put(plan.mapping.envelope, event, plan.envelope.properties ?? {});
  const version = compiled.events.get(name)!.get(String(event.schema_version))!.version;
  put(
    plan.mapping.events[name]?.fields ?? {},
    event.properties as Record<string, unknown>,
    version.schema.properties ?? {}
  );
  const hash = createHash('sha256').update(JSON.stringify(values)).digest('hex');
  return { values, rules, hash };
}

/** Every mapped field of the plan on the event object (what the sink loads to apply the rules). */
function mappedFields(compiled: CompiledPlan): string[] {
  const fields = new Set<string>();
  const add = (maps: Record<string, FieldMap>) => {
    for (const m of Object.values(maps))
      if (m.field && m.rule !== 'never' && !m.field.includes('.')) fields.add(m.field);
  };
  add(compiled.plan.mapping.envelope);
  for (const e of Object.values(compiled.plan.mapping.events)) add(e.fields);
  fields.add(PAYLOAD_HASH_FIELD);
  return [...fields].sort();
}

/** Account usage keys the sink knows (Unknown-Account is judged against them). */
export async function knownAccounts(sink: UsageSink): Promise<Set<string>> {
  return new Set((await sink.load('Account', ACCOUNT_KEY, [ACCOUNT_KEY])).keys());
}

export const EVENT_EXPORT_FILES = [
  'rejects.csv',
  'violations.csv',
  'restatements.csv',
  'write_failures.csv',
  'summary.json'
] as const;

/**
 * The ISO week an event counts in: its iso_week property when it has one (the weekly aggregate events), else the
 * week of occurred_at (UTC); undefined when neither reads.
 */
function eventWeek(isoWeek: unknown, occurredAt: unknown): number | undefined {
  if (typeof isoWeek === 'string') {
    const w = weekIndexOfLabel(isoWeek);
    if (w !== undefined) return w;
  }
  const ns = typeof occurredAt === 'string' ? parseInstant(occurredAt) : undefined;
  return ns === undefined ? undefined : weekIndexOf(nsToMs(ns));
}
const weekKey = (account: string, event: string, week: number) => `${account}\u0000${event}\u0000${week}`;

export async function runEventSync(
  options: EventSyncOptions,
  compiled: CompiledPlan,
  policy: Policy,
  sink: UsageSink,
  progress: (m: string) => void = () => {}
): Promise<EventSyncResult> {
  const asOfNs = BigInt(options.asOfMs) * 1_000_000n;
  progress(`reading the accounts of the ${sink.label} ...`);
  const accounts = await knownAccounts(sink);
  progress(`validating ${options.input} against the tracking plan ...`);
  const judged = await validateEventFile(options.input, compiled, {
    accounts,
    asOfNs,
    toleranceNs: BigInt(policy.number('Events_Future_Tolerance_Minutes')) * MINUTE_NS,
    maxViolationRate: options.maxViolationRate,
    encoding: options.encoding,
    keepValid: true
  });
  const s = judged.summary;
  const rejects: Reject[] = judged.violating.map((r) => ({
    line: r.line,
    reason: r.violations.map((v) => `${v.type} ${v.instancePath || '/'}: ${v.message}`).join('; '),
    raw: r.raw
  }));

  // event ids: identical repeats are duplicates, different payloads a conflict (every row of the id quarantined)
  const byId = new Map<string, JudgedRow[]>();
  for (const r of judged.valid) {
    const id = String(r.event!.event_id);
    const list = byId.get(id);
    if (list) list.push(r);
    else byId.set(id, [r]);
  }
  let duplicates = 0;
  let conflicts = 0;
  const unique: JudgedRow[] = [];
  for (const [id, list] of byId) {
    if (list.length === 1) {
      unique.push(list[0]!);
      continue;
    }
    const payloads = new Set(list.map((r) => payloadOf(r.event!)));
    if (payloads.size === 1) {
      unique.push(list[0]!);
      duplicates += list.length - 1;
      continue;
    }
    conflicts += list.length;
    const lines = list.map((r) => r.line).join(', ');
    for (const r of list)
      rejects.push({
        line: r.line,
        reason: `conflict: event_id ${id} is given ${list.length} times with different payloads (lines ${lines}); all are quarantined`,
        raw: r.raw
      });
  }
  rejects.sort((a, b) => a.line - b.line);

  const result: EventSyncResult = {
    summary: {
      input: options.input,
      sink: sink.label,
      as_of: new Date(options.asOfMs).toISOString(),
      dry_run: options.dryRun,
      rows: s.rows,
      valid: s.valid,
      quarantined: s.violating,
      conflicts,
      duplicates,
      held_validate_only: 0,
      late_events: 0,
      restated_weeks: 0,
      written: 0,
      unchanged: 0,
      failed: 0,
      sources: [],
      by_type: s.by_type as Record<string, number>
    },
    rejects,
    restatements: [],
    failures: [],
    violating: judged.violating
  };
  const exportNow = () => {
    if (options.exportDir && !options.dryRun)
      writeExportFiles(options.exportDir, {
        'rejects.csv': [['line', 'reason', 'raw'], ...rejects.map((x) => [String(x.line), x.reason, x.raw])],
        'violations.csv': [VIOLATION_HEADER, ...violationLines(judged.violating)],
        'restatements.csv': [
          ['account', 'event', 'iso_week', 'events_before', 'events_after', 'event_ids'],
          ...result.restatements.map((x) => [
            x.account,
            x.event,
            x.iso_week,
            String(x.events_before),
            String(x.events_after),
            x.event_ids.join(' ')
          ])
        ],
        'write_failures.csv': [
          ['object', 'key', 'error'],
          ...result.failures.map((f) => [EVENT_OBJECT, f.key, f.error])
        ],
        'summary.json': result.summary
      });
  };
  if (s.over_limit) {
    exportNow();
    throw new ValidationError(
      `${plural(s.violating, 'row')} of ${s.rows} violate the tracking plan (${(100 * s.violation_rate).toFixed(2)}%, above ${(100 * options.maxViolationRate).toFixed(2)}%); nothing was written`,
      {
        details: [
          ...rejects.slice(0, 5).map((x) => `line ${x.line}: ${x.reason}`),
          'fix the file, or raise --max-violation-rate if these rows are expected (with --export, rejects.csv lists every row)'
        ]
      }
    );
  }

  // validate-only period per source
  const days = policy.number('Events_Validate_Only_Days');
  const storedSources = await sink.load(SOURCE_OBJECT, SOURCE_KEY_FIELD, [SOURCE_FIRST_SEEN_FIELD]);
  const rowsBySource = new Map<string, number>();
  for (const r of unique)
    rowsBySource.set(String(r.event!.source), (rowsBySource.get(String(r.event!.source)) ?? 0) + 1);
  const writable = new Set<string>();
  const newSources: SObjectRow[] = [];
  for (const [source, rows] of [...rowsBySource].sort(([a], [b]) => a.localeCompare(b))) {
    const stored = storedSources.get(source)?.[SOURCE_FIRST_SEEN_FIELD];
    const storedNs = typeof stored === 'string' ? parseInstant(stored) : undefined;
    const firstMs = storedNs === undefined ? options.asOfMs : nsToMs(storedNs);
    const fromMs = firstMs + days * DAY_MS;
    const validateOnly = options.asOfMs < fromMs;
    if (!validateOnly) writable.add(source);
    if (storedNs === undefined)
      newSources.push({
        [SOURCE_KEY_FIELD]: source,
        Name: source,
        [SOURCE_FIRST_SEEN_FIELD]: new Date(firstMs).toISOString()
      });
    result.summary.sources.push({
      source,
      first_seen: new Date(firstMs).toISOString(),
      writes_from: new Date(fromMs).toISOString(),
      validate_only: validateOnly,
      new_in_this_run: storedNs === undefined,
      rows
    });
  }
  const toWrite = unique.filter((r) => writable.has(String(r.event!.source)));
  result.summary.held_validate_only = unique.length - toWrite.length;

  // rows to upsert: unchanged payloads skipped, each field by its rule
  progress(`comparing ${plural(toWrite.length, 'event')} with the ${sink.label} ...`);
  const stored = await sink.load(EVENT_OBJECT, EVENT_KEY_FIELD, [...mappedFields(compiled), EVENT_ACCOUNT_FIELD]);
  // the stored events of each account, event and week: what the readers aggregated the week from
  const storedWeeks = new Map<string, Set<string>>();
  for (const [id, row] of stored) {
    const week = eventWeek(row.ISO_Week__c, row.Occurred_At__c);
    if (week === undefined || row[EVENT_ACCOUNT_FIELD] == null) continue;
    const key = weekKey(String(row[EVENT_ACCOUNT_FIELD]), String(row.Event_Name__c), week);
    let ids = storedWeeks.get(key);
    if (!ids) storedWeeks.set(key, (ids = new Set()));
    ids.add(id);
  }
  const restated = new Map<string, Restatement>();
  const rows: SObjectRow[] = [];
  for (const r of toWrite) {
    const m = mapEvent(compiled, r.event!);
    const id = String(r.event!.event_id);
    const before = stored.get(id);
    if (before && before[PAYLOAD_HASH_FIELD] === m.hash) {
      result.summary.unchanged++;
      continue;
    }
    const row: SObjectRow = { [EVENT_KEY_FIELD]: id, Name: `${String(r.event!.event_name)} ${id}`.slice(0, 80) };
    for (const [field, rule] of m.rules) if (writesField(rule, before, field)) row[field] = m.values[field]!;
    if (before) delete row.Name;
    row[PAYLOAD_HASH_FIELD] = m.hash;
    rows.push(row);
    const e = r.event!;
    const week = eventWeek((e.properties as Record<string, unknown>).iso_week, e.occurred_at);
    if (week === undefined || !isWeekComplete(week, options.asOfMs)) continue;
    result.summary.late_events++;
    const key = weekKey(String(e.account_key), String(e.event_name), week);
    const had = storedWeeks.get(key);
    if (!had || had.size === 0) continue; // nothing was aggregated for the week yet: late, not a restatement
    let x = restated.get(key);
    if (!x) {
      x = {
        account: String(e.account_key),
        event: String(e.event_name),
        iso_week: isoWeekLabel(week),
        events_before: had.size,
        events_after: had.size,
        event_ids: []
      };
      restated.set(key, x);
    }
    if (!had.has(id)) x.events_after++;
    x.event_ids.push(id);
  }
  result.restatements = [...restated.values()].sort(
    (a, b) =>
      a.account.localeCompare(b.account) || a.event.localeCompare(b.event) || a.iso_week.localeCompare(b.iso_week)
  );
  result.summary.restated_weeks = result.restatements.length;
  if (options.dryRun) {
    result.summary.written = rows.length; // would be written
  } else {
    if (newSources.length) {
      const sourceResults = await sink.upsert(SOURCE_OBJECT, SOURCE_KEY_FIELD, newSources, progress);
      for (const x of sourceResults)
        if (!x.ok) result.failures.push({ key: `${SOURCE_OBJECT} ${x.key}`, error: x.error ?? 'failed' });
    }
    if (rows.length) {
      const results = await sink.upsert(EVENT_OBJECT, EVENT_KEY_FIELD, rows, progress);
      for (const x of results) {
        if (x.ok) result.summary.written++;
        else result.failures.push({ key: x.key, error: x.error ?? 'failed' });
      }
    }
    // rows, rejects and write failures per source, kept for the rollout audit (cockpit/syncRuns.ts)
    const runs = new Map<string, SourceRun>();
    const sourceOf = new Map<string, string>();
    for (const r of [...judged.valid, ...judged.violating]) {
      const source = typeof r.event?.source === 'string' ? r.event.source : UNKNOWN_SOURCE;
      sourceRun(runs, source).read++;
      sourceOf.set(String(r.line), source);
      if (r.event?.event_id !== undefined) sourceOf.set(`id:${String(r.event.event_id)}`, source);
    }
    for (const x of rejects) countReject(runs, sourceOf.get(String(x.line)) ?? UNKNOWN_SOURCE, x.reason);
    for (const f of result.failures) sourceRun(runs, sourceOf.get(`id:${f.key}`) ?? UNKNOWN_SOURCE).failures++;
    // an unchanged re-run (nothing written, rejected or failed) tells the audit nothing new: no row, no write
    if (result.summary.written > 0 || rejects.length > 0 || result.failures.length > 0)
      result.failures.push(...(await recordSyncRun(sink, 'events', result.summary.as_of, runs.values())));
    result.summary.failed = result.failures.length;
  }
  exportNow();
  return result;
}
