/**
 * The CRM's funnel events (force-app GtmFunnelEventPublisher) against the tracking plan, through the vectors the
 * Apex test asserts the publisher with (static resource GtmFunnelEventVectors): every event a vector makes passes
 * the plan's schemas, its Funnel_Event__c row is what the plan's mapping makes of it, every CRM event of the plan has
 * a vector, and what the publisher refuses the plan refuses too.
 */
import { readVectorFile, staticResourceVectorsPath } from '../../rules/vectors';
import { createJudge } from '../judge';
import { compilePlan, latestVersions, loadPlan, snakeName } from '../plan';
import { mapEvent } from '../sync';

interface PublishInput {
  event: string;
  accountKey: string | null;
  subject: string;
  occurredAt: string;
  receivedAt: string;
  properties: Record<string, unknown>;
}
interface Vectors {
  cases: { name: string; input: PublishInput; envelope: Record<string, unknown>; record: Record<string, unknown> }[];
  refused: { name: string; input: PublishInput; error: string }[];
}

const vectors = readVectorFile<Vectors>(staticResourceVectorsPath('GtmFunnelEventVectors'));
const compiled = compilePlan(loadPlan());
const judge = createJudge(compiled, {
  asOfNs: BigInt(Date.parse('2026-03-03T00:00:00Z')) * 1_000_000n,
  toleranceNs: 0n
});
/** the envelope as the plan requires it: a CRM account without a usage key is linked by Account__c instead */
/** the envelope's longest event id (tracking-plan/common.json), which Event_Id__c holds */
const EVENT_ID_MAX = (compiled.plan.envelope.properties as Record<string, { maxLength?: number }>).event_id!.maxLength!;
const withAccount = (envelope: Record<string, unknown>) => ({ account_key: 'ACME-001', ...envelope });

describe('CRM funnel event vectors (GtmFunnelEventVectors)', () => {
  it('cover every CRM event of the plan, at its latest version', () => {
    const crm = latestVersions(compiled.plan).filter((v) => v.schema['x-origin'] === 'crm');
    expect(crm.length).toBe(10);
    for (const v of crm)
      expect([
        v.name,
        vectors.cases.some((c) => c.envelope.event_name === v.name && c.envelope.schema_version === v.version)
      ]).toEqual([v.name, true]);
  });

  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s: the event passes the plan', (_name, c) => {
    expect(judge(withAccount(c.envelope))).toEqual([]);
    // the envelope is the input's: a deterministic event id, the properties given (nulls left out)
    expect(c.envelope).toMatchObject({
      event_id: `crm:${snakeName(c.input.event)}:${c.input.subject}`,
      event_name: c.input.event,
      occurred_at: c.input.occurredAt,
      received_at: c.input.receivedAt,
      source: 'salesforce',
      properties: Object.fromEntries(Object.entries(c.input.properties).filter(([, v]) => v !== null))
    });
    expect(c.envelope.account_key).toBe(c.input.accountKey ?? undefined);
  });

  it.each(vectors.cases.map((c) => [c.name, c] as const))(
    '%s: the row is the plan mapping of the event',
    (_name, c) => {
      const values = mapEvent(compiled, withAccount(c.envelope)).values;
      // the account is the row's master (Account__c), set from the Id in Apex: not a field the row carries by key
      const fields = Object.fromEntries(Object.entries(values).filter(([f]) => !f.includes('.')));
      expect(c.record).toEqual(fields);
    }
  );

  it.each(vectors.refused.map((c) => [c.name, c] as const))('%s: refused by the plan too', (_name, c) => {
    const event = {
      event_id: `crm:${snakeName(c.input.event)}:${c.input.subject}`,
      event_name: c.input.event,
      schema_version: '1-0-0',
      occurred_at: c.input.occurredAt,
      account_key: c.input.accountKey,
      source: 'salesforce',
      properties: c.input.properties
    };
    const verdict = judge(event);
    const planned = compiled.plan.events.get(c.input.event)?.[0];
    // a CRM event with an unplanned property violates the schema, as does an id longer than the envelope allows; a
    // product event is not the CRM's to publish; a name the plan lacks is an Unplanned-Event
    if (planned?.schema['x-origin'] === 'crm')
      expect(verdict.map((v) => v.type)).toContain(
        event.event_id.length > EVENT_ID_MAX ? 'Datatype-Mismatch' : 'Additional-Properties'
      );
    else if (planned)
      expect([planned.schema['x-origin'], c.error]).toEqual([
        'product',
        expect.stringMatching(/is not a CRM event of the tracking plan/)
      ]);
    else expect(verdict.map((v) => v.type)).toContain('Unplanned-Event');
  });
});
