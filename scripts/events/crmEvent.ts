/**
 * A funnel event the CRM side writes (an activation, a production approval, a churned logo), as the Funnel_Event__c
 * row the tracking plan's mapping makes of its envelope: the same row the product's events get, and the id form
 * GtmFunnelEventPublisher gives the CRM's events (crm:<event>:<subject>). Received at = occurred at, so a re-run makes
 * the same row. The plan is the contract: an event its schemas refuse is never written.
 */
import { InputError } from '../lib/errors';
import type { SObjectRow } from '../usage/records';
import type { RowResult, UsageSink } from '../usage/sink';
import { compilePlan, latestVersions, loadPlan, snakeName, type CompiledPlan } from './plan';
import { mapEvent } from './sync';

let compiledPlan: CompiledPlan | undefined;

export interface CrmEvent {
  name: string;
  /** what the id is unique by: a plan key, an opportunity id, an account key */
  subject: string;
  /** ISO instant */
  occurredAt: string;
  accountKey: string;
  source: string;
  properties: Record<string, unknown>;
}

/** The id GtmFunnelEventPublisher gives a CRM event: crm:<snake_case name>:<subject>. */
export const crmEventId = (name: string, subject: string) => `crm:${snakeName(name)}:${subject}`;

export function crmEventRow(event: CrmEvent): SObjectRow {
  const compiled = (compiledPlan ??= compilePlan(loadPlan()));
  const version = latestVersions(compiled.plan).find((v) => v.name === event.name);
  if (!version) throw new InputError(`the tracking plan has no event ${JSON.stringify(event.name)}`);
  const envelope = {
    event_id: crmEventId(event.name, event.subject),
    event_name: event.name,
    schema_version: version.version,
    occurred_at: event.occurredAt,
    received_at: event.occurredAt,
    account_key: event.accountKey,
    source: event.source,
    properties: event.properties
  };
  const schema = compiled.events.get(event.name)!.get(envelope.schema_version)!;
  if (!compiled.envelope(envelope) || !schema.validate(envelope.properties))
    throw new InputError(
      `${envelope.event_id}: the ${event.name} event does not pass ${schema.version.file}: ${JSON.stringify([...(compiled.envelope.errors ?? []), ...(schema.validate.errors ?? [])])}`
    );
  return mapEvent(compiled, envelope).values;
}

const EVENT_OBJECT = 'Funnel_Event__c';
const EVENT_KEY = 'Event_Id__c';

/**
 * The CRM events of records a command has written, where no Apex publishes them: the local store (in an org the
 * records' triggers run GtmFunnelEventPublisher, with the same ids: crm:<event>:<record Id>). Writes those the sink
 * does not hold yet, so a re-run writes none and one a run could not write is written by the next. An event the plan
 * refuses is a failed result naming why, never a thrown error: the records it is about are written already.
 * Returns one result per event written or refused (an org: none).
 */
export async function writeCrmEvents(sink: UsageSink, events: readonly CrmEvent[]): Promise<RowResult[]> {
  if (sink.runsCrmTriggers || !events.length) return [];
  const stored = await sink.load(EVENT_OBJECT, EVENT_KEY, [EVENT_KEY]);
  const refused: RowResult[] = [];
  const rows: SObjectRow[] = [];
  for (const event of events) {
    const key = crmEventId(event.name, event.subject);
    if (stored.has(key)) continue;
    try {
      rows.push(crmEventRow(event));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      refused.push({ key, ok: false, error: err.message });
    }
  }
  return [...refused, ...(rows.length ? await sink.upsert(EVENT_OBJECT, EVENT_KEY, rows) : [])];
}
