/**
 * The CRM events the org's Apex triggers publish are written into the local store by the commands that write their
 * records (no Apex runs there): gtm audit ingest writes Hallucination Audit Completed, gtm usage sync Expansion
 * Trigger Fired, each with the id GtmFunnelEventPublisher gives it (crm:<event>:<record Id>), the plan's properties,
 * once (a re-run writes none); an org sink gets none from here (its triggers write them).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spec, storeWithDeal, writeJson } from '../../audit/__tests__/auditFixtures';
import { ingestAudit } from '../../audit/ingest';
import { promptfooRun, sampleCases } from '../../audit/sampleRuns';
import { loadPolicyFile } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import { ticketCsv, type WeekPlan } from '../../test-support/ticketExport';
import { weekIndexOfLabel, weekStartMs } from '../../usage/isoWeek';
import { TRIGGER_FIELDS, TRIGGER_OBJECT } from '../../usage/records';
import type { UsageSink } from '../../usage/sink';
import { runUsageSync } from '../../usage/sync';
import { thresholdsFromPolicy } from '../../usage/triggerRules';
import { queryRows } from '../../workbench/controllers/storeAccess';
import { crmEventId, writeCrmEvents } from '../crmEvent';
import { createJudge } from '../judge';
import { compilePlan, loadPlan } from '../plan';
import { storeWithAccounts, tempDir } from './eventFiles';

jest.setTimeout(60_000);

const policy = loadPolicyFile();
const compiled = compilePlan(loadPlan());
let dir: string;
beforeEach(() => (dir = tempDir()));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** the store's funnel events with their account's usage key */
async function storedEvents(store: Parameters<typeof queryRows>[0]) {
  return queryRows(
    store,
    `SELECT e.*, a."Usage_Account_Key__c" AS account_key FROM "Funnel_Event__c" e
       JOIN "Account" a ON a."Id" = e."Account__c" ORDER BY e."Event_Id__c"`
  );
}

/** a deal whose account has a usage key, and a promptfoo run of 500 scored responses that passes its gate */
async function dealWithRun() {
  const { store, opportunityId } = await storeWithDeal(path.join(dir, 'store.duckdb'));
  await store.db.run(`UPDATE "Account" SET "Usage_Account_Key__c" = 'ACME-001'`);
  const run = promptfooRun(spec('eval-1', sampleCases(500, { hallucinated: [10, 20, 30, 40] })));
  return { store, opportunityId, file: writeJson(dir, 'run.json', run) };
}

/** an org: its Apex triggers publish the CRM events */
const asOrg = (sink: UsageSink): UsageSink => ({ ...sink, runsCrmTriggers: true });

describe('gtm audit ingest into the local store', () => {
  const TODAY = '2026-06-15';

  it('writes Hallucination Audit Completed for the audit stored whole, once', async () => {
    const { store, opportunityId, file } = await dealWithRun();
    try {
      const sink = createLocalSink(store);
      const ingest = () =>
        ingestAudit(file, { format: 'auto', opportunity: opportunityId, dryRun: false, today: TODAY }, sink, policy);
      const first = await ingest();
      expect(first.failed).toEqual([]);
      const [audit] = await queryRows(store, `SELECT "Id", "Responses__c" FROM "Hallucination_Audit__c"`);
      const events = await storedEvents(store);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        Event_Id__c: crmEventId('Hallucination Audit Completed', String(audit!.Id)),
        Event_Name__c: 'Hallucination Audit Completed',
        Schema_Version__c: '1-0-0',
        Opportunity__c: opportunityId,
        Passed__c: true,
        Quantity__c: 500,
        Source__c: 'gtm audit ingest',
        account_key: 'ACME-001'
      });
      expect(String(events[0]!.Occurred_At__c)).toContain('2026-06-15');

      // the same file again: nothing more; an event lost after the audit was stored is written by the next run
      expect((await ingest()).status).toBe('unchanged');
      expect(await storedEvents(store)).toHaveLength(1);
      await store.db.run(`DELETE FROM "Funnel_Event__c"`);
      expect((await ingest()).failed).toEqual([]);
      expect(await storedEvents(store)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('writes none into an org sink (the audit trigger publishes it there) and none on a dry run', async () => {
    const { store, opportunityId, file } = await dealWithRun();
    try {
      const sink = createLocalSink(store);
      const options = { format: 'auto' as const, opportunity: opportunityId, dryRun: true, today: TODAY };
      await ingestAudit(file, options, sink, policy);
      expect(await storedEvents(store)).toHaveLength(0);
      const r = await ingestAudit(file, { ...options, dryRun: false }, asOrg(sink), policy);
      expect(r.status).toBe('written');
      expect(await storedEvents(store)).toHaveLength(0);
    } finally {
      await store.close();
    }
  });
});

describe('gtm usage sync into the local store', () => {
  const t = thresholdsFromPolicy(policy);
  const W = weekIndexOfLabel('2026-W10')!;
  const qualifying = (account: string, week: number): WeekPlan => ({
    account,
    weekIndex: W + week,
    total: t.minTickets,
    ai: Math.ceil(t.minTickets * Number(t.share))
  });

  it('writes Expansion Trigger Fired for each trigger, with its key, week and mode, once', async () => {
    const { store, sink } = await storeWithAccounts(dir, ['acme', 'globex']);
    try {
      const input = path.join(dir, 'tickets.csv');
      fs.writeFileSync(input, ticketCsv([0, 1, 2, 3].map((w) => qualifying('acme', w))));
      const options = { input, asOfMs: weekStartMs(W + 30), dryRun: false, maxRejectRate: 0.05 };
      const r = await runUsageSync(options, policy, sink);
      expect(r.failures).toEqual([]);
      const triggers = await sink.load(TRIGGER_OBJECT, TRIGGER_FIELDS.key, ['Id', TRIGGER_FIELDS.isoWeek]);
      expect(triggers.size).toBeGreaterThan(0);
      const events = await storedEvents(store);
      expect(events.map((e) => e.Event_Id__c).sort()).toEqual(
        [...triggers.values()].map((x) => crmEventId('Expansion Trigger Fired', String(x.Id))).sort()
      );
      const [key, trigger] = [...triggers][0]!;
      expect(events.find((e) => e.Subject_Key__c === key)).toMatchObject({
        Event_Name__c: 'Expansion Trigger Fired',
        ISO_Week__c: trigger[TRIGGER_FIELDS.isoWeek],
        Category__c: 'shadow',
        Source__c: 'gtm usage sync',
        account_key: 'acme'
      });
      // each is an event the plan takes
      const judge = createJudge(compiled, { asOfNs: BigInt(weekStartMs(W + 31)) * 1_000_000n, toleranceNs: 0n });
      for (const e of events)
        expect(
          judge({
            event_id: e.Event_Id__c,
            event_name: e.Event_Name__c,
            schema_version: e.Schema_Version__c,
            occurred_at: new Date(String(e.Occurred_At__c).replace(' ', 'T') + 'Z').toISOString(),
            account_key: e.account_key,
            source: e.Source__c,
            properties: { trigger_key: e.Subject_Key__c, iso_week: e.ISO_Week__c, mode: e.Category__c }
          })
        ).toEqual([]);

      const again = await runUsageSync(options, policy, sink);
      expect(again.failures).toEqual([]);
      expect((await storedEvents(store)).map((e) => e.Event_Id__c)).toEqual(events.map((e) => e.Event_Id__c));
    } finally {
      await sink.close();
    }
  });
});

describe('writeCrmEvents', () => {
  it('names an event the plan refuses as a failed result instead of throwing, and writes nothing to an org', async () => {
    const { sink } = await storeWithAccounts(dir, ['ACME-001']);
    try {
      const event = {
        name: 'Hallucination Audit Completed',
        subject: 'a02L00000000000001',
        occurredAt: '2026-06-15T00:00:00.000Z',
        accountKey: 'ACME-001',
        source: 'gtm audit ingest',
        // not an Opportunity Id: the plan's pattern refuses it
        properties: { opportunity_id: 'deal-1', passed: true, sample_size: 200 }
      };
      expect(await writeCrmEvents(asOrg(sink), [event])).toEqual([]);
      const [refused] = await writeCrmEvents(sink, [event]);
      expect(refused).toMatchObject({ key: 'crm:hallucination_audit_completed:a02L00000000000001', ok: false });
      expect(refused!.error).toContain('opportunity_id');
      expect((await sink.load('Funnel_Event__c', 'Event_Id__c', ['Event_Id__c'])).size).toBe(0);
    } finally {
      await sink.close();
    }
  });
});
