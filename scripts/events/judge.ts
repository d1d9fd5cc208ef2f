/**
 * The verdict on one event against the plan: typed violations (RudderStack's Unplanned-Event, Required-Missing,
 * Datatype-Mismatch, Additional-Properties, plus Enum-Mismatch, Unknown-Account and Future-Timestamp), each with
 * the instance path in the event and the schema path (file#pointer) of the rule it breaks. Timestamps follow the
 * usage sync's instant rules (scripts/usage/instant.ts).
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { nsToMs, parseInstant } from '../usage/instant';
import { instantTextSubNs, readInstantText } from '../usage/lineScan';
import { type CompiledPlan, type JsonSchema, planAjv } from './plan';

export const VIOLATION_TYPES = [
  'Unplanned-Event',
  'Required-Missing',
  'Datatype-Mismatch',
  'Additional-Properties',
  'Enum-Mismatch',
  'Unknown-Account',
  'Future-Timestamp'
] as const;
export type ViolationType = (typeof VIOLATION_TYPES)[number];

export interface Violation {
  type: ViolationType;
  message: string;
  /** JSON pointer into the event, e.g. /properties/role */
  instancePath: string;
  /** file#pointer of the schema rule, e.g. tracking-plan/events/teammate_invited/1-0-0.json#/properties/role/enum */
  schemaPath: string;
  /** "did you mean": the planned event name a case or spacing variant stands for */
  suggestion?: string;
}

export interface JudgeOptions {
  /** usage keys of the accounts that exist; undefined = not checked */
  accounts?: ReadonlySet<string>;
  /** epoch nanoseconds an event without received_at is judged against (the run's as-of) */
  asOfNs: bigint;
  /** how far occurred_at may be after received_at (policy Events_Future_Tolerance_Minutes) */
  toleranceNs: bigint;
  /**
   * read instants with instant.ts (BigInt nanoseconds per value) instead of the usage fast path's allocation-free
   * reader: the slow path the fast one is held equal to (judge.test.ts, bench:events --check)
   */
  exactInstants?: boolean;
}

/** An event name reduced to what case and spacing variants share: "ai_ticket-resolved" -> "aiticketresolved". */
const fold = (name: string) => name.toLowerCase().replace(/[\s_\-.]+/g, '');

function typeOf(e: ErrorObject): ViolationType {
  switch (e.keyword) {
    case 'required':
      return 'Required-Missing';
    case 'additionalProperties':
      return 'Additional-Properties';
    case 'enum':
    case 'const':
      return 'Enum-Mismatch';
    default:
      return 'Datatype-Mismatch';
  }
}

function fromAjv(
  errors: readonly ErrorObject[],
  base: string,
  file: string,
  into: Violation[] | undefined
): Violation[] {
  const out = into ?? [];
  for (const e of errors) {
    let instancePath = base + e.instancePath;
    let message = e.message ?? e.keyword;
    if (e.keyword === 'required') {
      const p = (e.params as { missingProperty: string }).missingProperty;
      instancePath += `/${p}`;
      message = `${p} is required`;
    } else if (e.keyword === 'additionalProperties') {
      const p = (e.params as { additionalProperty: string }).additionalProperty;
      instancePath += `/${p}`;
      message = `${p} is not a planned property`;
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    out.push({ type: typeOf(e), message, instancePath, schemaPath: `${file}${e.schemaPath}` });
  }
  return out;
}

export type Judge = (event: Record<string, unknown>) => readonly Violation[];

/** the verdict on a valid event (shared: nothing to allocate) */
const NONE: readonly Violation[] = Object.freeze([]);

const NS_PER_MS = 1_000_000n;

/**
 * An instant read by the usage sync's rules as two numbers, epoch milliseconds (floor; NaN: not an instant) and
 * the nanoseconds past them, so the hot path allocates no BigInt: by default the usage fast path's reader over the
 * string's characters (held equal to instant.ts by fastPath.test.ts), with exactInstants instant.ts itself.
 */
interface InstantReader {
  read(text: string): number;
  /** nanoseconds past the last read's milliseconds */
  subNs(): number;
}
const FAST_INSTANTS: InstantReader = { read: readInstantText, subNs: instantTextSubNs };
function exactInstants(): InstantReader {
  let sub = 0;
  return {
    read(text) {
      const ns = parseInstant(text);
      if (ns === undefined) return NaN;
      const ms = nsToMs(ns);
      sub = Number(ns - BigInt(ms) * NS_PER_MS);
      return ms;
    },
    subNs: () => sub
  };
}

/** the longest text instant.ts accepts as an instant: 2026-03-02T10:00:00.123456789+05:30 */
export const LONGEST_INSTANT = 35;

const fastEnvelopes = new WeakMap<CompiledPlan, ValidateFunction>();
/**
 * The envelope's validator for the fast path: the envelope's schema less the maxLength of occurred_at and
 * received_at where that bound is at least LONGEST_INSTANT. The fast path reads both instants right after and takes
 * none longer, so such a bound can only fail where the reader refuses too, and then the verdict runs the whole
 * envelope and names both. ajv checks a maxLength by counting the string's characters (ucs2length), which cost
 * about as much as reading the two instants (0.2x the floor).
 */
export function fastPathEnvelope(compiled: CompiledPlan): ValidateFunction {
  let validate = fastEnvelopes.get(compiled);
  if (validate) return validate;
  const schema = structuredClone(compiled.plan.envelope);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema | undefined>;
  let lean = false;
  for (const name of ['occurred_at', 'received_at']) {
    const p = properties[name];
    if (p && typeof p.maxLength === 'number' && p.maxLength >= LONGEST_INSTANT) {
      delete p.maxLength;
      lean = true;
    }
  }
  validate = lean ? planAjv().compile(schema) : compiled.envelope;
  fastEnvelopes.set(compiled, validate);
  return validate;
}

/** A judge over the compiled plan: an empty list is a valid event. */
export function createJudge(compiled: CompiledPlan, options: JudgeOptions): Judge {
  const envelopeFile = compiled.plan.envelopeFile;
  const folded = new Map<string, string>();
  for (const name of compiled.events.keys()) folded.set(fold(name), name);
  const instantPath = (p: string) => `${envelopeFile}#/properties/${p}/x-instant`;
  const instants = options.exactInstants ? exactInstants() : FAST_INSTANTS;
  // hoisted: the closure below runs once per event
  const readMs = instants.read;
  const readSubNs = instants.subNs;
  const envelope = compiled.envelope;
  const fastEnvelope = fastPathEnvelope(compiled);
  const events = compiled.events;
  const accounts = options.accounts;
  const asOfMs = nsToMs(options.asOfNs);
  const asOfSub = Number(options.asOfNs - BigInt(asOfMs) * NS_PER_MS);
  const toleranceMs = nsToMs(options.toleranceNs);
  const toleranceSub = Number(options.toleranceNs - BigInt(toleranceMs) * NS_PER_MS);
  const asOfText = new Date(asOfMs).toISOString();
  const toleranceText = `${Number(options.toleranceNs) / 60e9} minute${options.toleranceNs === 60_000_000_000n ? '' : 's'}`;

  /**
   * Most events are valid: this answers for them with the least work and nothing built (true only when the verdict
   * below finds nothing; anything unusual goes to the verdict, which names what is wrong).
   */
  const valid = (event: Record<string, unknown>): boolean => {
    // the instants' length bound is left to their reading below (fastPathEnvelope)
    if (!fastEnvelope(event)) return false;
    const v = events.get(event.event_name as string)?.get(event.schema_version as string);
    if (!v || !v.validate(event.properties)) return false;
    const occurred = event.occurred_at;
    const received = event.received_at;
    if (typeof occurred !== 'string') return false;
    const occurredMs = readMs(occurred);
    if (occurredMs !== occurredMs) return false;
    const occurredSub = readSubNs();
    let againstMs = asOfMs;
    let againstSub = asOfSub;
    if (typeof received === 'string') {
      againstMs = readMs(received);
      if (againstMs !== againstMs) return false;
      againstSub = readSubNs();
    } else if (received !== undefined && received !== null) return false;
    if ((occurredMs - againstMs - toleranceMs) * 1e6 + (occurredSub - againstSub - toleranceSub) > 0) return false;
    return accounts === undefined || (typeof event.account_key === 'string' && accounts.has(event.account_key));
  };

  /** the verdict: every violation, with paths */
  const verdict = (event: Record<string, unknown>): readonly Violation[] => {
    // the list is made only for the first violation
    let out: Violation[] | undefined;
    if (!envelope(event)) out = fromAjv(envelope.errors ?? [], '', envelopeFile, out);
    const name = event.event_name;
    if (typeof name === 'string') {
      const versions = events.get(name);
      if (!versions) {
        const near = folded.get(fold(name));
        (out ??= []).push({
          type: 'Unplanned-Event',
          message: near
            ? `"${name}" is not a planned event; did you mean "${near}"?`
            : `"${name}" is not a planned event`,
          instancePath: '/event_name',
          schemaPath: `${envelopeFile}#/properties/event_name`,
          ...(near ? { suggestion: near } : {})
        });
      } else if (typeof event.schema_version === 'string') {
        const v = versions.get(event.schema_version);
        if (!v) {
          (out ??= []).push({
            type: 'Unplanned-Event',
            message: `version ${event.schema_version} of "${name}" is not planned (planned: ${[...versions.keys()].join(', ')})`,
            instancePath: '/schema_version',
            schemaPath: `${envelopeFile}#/properties/schema_version`
          });
        } else if (typeof event.properties === 'object' && event.properties !== null) {
          if (!v.validate(event.properties)) out = fromAjv(v.validate.errors ?? [], '/properties', v.version.file, out);
        }
      }
    }
    let occurredMs = NaN;
    let occurredSub = 0;
    if (typeof event.occurred_at === 'string') {
      occurredMs = readMs(event.occurred_at);
      occurredSub = readSubNs();
      if (occurredMs !== occurredMs)
        (out ??= []).push({
          type: 'Datatype-Mismatch',
          message: `"${event.occurred_at}" is not an ISO 8601 instant`,
          instancePath: '/occurred_at',
          schemaPath: instantPath('occurred_at')
        });
    }
    let receivedMs = NaN;
    let receivedSub = 0;
    if (typeof event.received_at === 'string') {
      receivedMs = readMs(event.received_at);
      receivedSub = readSubNs();
      if (receivedMs !== receivedMs)
        (out ??= []).push({
          type: 'Datatype-Mismatch',
          message: `"${event.received_at}" is not an ISO 8601 instant`,
          instancePath: '/received_at',
          schemaPath: instantPath('received_at')
        });
    }
    const noReceived = event.received_at === undefined || event.received_at === null;
    if (occurredMs === occurredMs && (receivedMs === receivedMs || noReceived)) {
      const byReceived = receivedMs === receivedMs;
      // occurred - (against + tolerance) in nanoseconds, as ms * 1e6 + ns: exact near 0, where the sign is decided
      const overMs = occurredMs - (byReceived ? receivedMs : asOfMs) - toleranceMs;
      const overSub = occurredSub - (byReceived ? receivedSub : asOfSub) - toleranceSub;
      if (overMs * 1e6 + overSub > 0)
        (out ??= []).push({
          type: 'Future-Timestamp',
          // the values and the allowance, so the sender's clock problem can be seen from the line alone
          message: `occurred_at "${event.occurred_at as string}" is after ${
            byReceived ? `received_at "${event.received_at as string}"` : `the time of the run ${asOfText}`
          } by more than the tolerance of ${toleranceText} (Events_Future_Tolerance_Minutes)`,
          instancePath: '/occurred_at',
          schemaPath: instantPath('occurred_at')
        });
    }
    if (accounts && typeof event.account_key === 'string' && !accounts.has(event.account_key))
      (out ??= []).push({
        type: 'Unknown-Account',
        message: `no Account has Usage_Account_Key__c "${event.account_key}"`,
        instancePath: '/account_key',
        schemaPath: `${envelopeFile}#/properties/account_key`
      });
    return out ?? NONE;
  };

  // the slow path (exactInstants) is the verdict alone: what the fast path is held equal to
  return options.exactInstants ? verdict : (event) => (valid(event) ? NONE : verdict(event));
}
