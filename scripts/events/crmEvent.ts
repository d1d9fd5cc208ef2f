/**
 * A funnel event the CRM side writes (an activation, a production approval, a churned logo), as the Funnel_Event__c
 * row the tracking plan's mapping makes of its envelope: the same row the product's events get, and the id form
 * GtmFunnelEventPublisher gives the CRM's events (crm:<event>:<subject>). Received at = occurred at, so a re-run makes
 * the same row. The plan is the contract: an event its schemas refuse is never written.
 */
import { InputError } from '../lib/errors';
import type { SObjectRow } from '../usage/records';
import { compilePlan, latestVersions, loadPlan, snakeName, type CompiledPlan } from './plan';
import { mapEvent } from './sync';

let compiledPlan: CompiledPlan | undefined;

export function crmEventRow(event: {
  name: string;
  /** what the id is unique by: a plan key, an opportunity id, an account key */
  subject: string;
  /** ISO instant */
  occurredAt: string;
  accountKey: string;
  source: string;
  properties: Record<string, unknown>;
}): SObjectRow {
  const compiled = (compiledPlan ??= compilePlan(loadPlan()));
  const version = latestVersions(compiled.plan).find((v) => v.name === event.name);
  if (!version) throw new InputError(`the tracking plan has no event ${JSON.stringify(event.name)}`);
  const envelope = {
    event_id: `crm:${snakeName(event.name)}:${event.subject}`,
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
