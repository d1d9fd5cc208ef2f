import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '../../lib/errors';
import { loadPolicyFile } from '../../policy/policy';
import type { UsageSink } from '../../usage/sink';
import { compilePlan, loadPlan } from '../plan';
import { weeklyActiveAgents } from '../reader';
import { EVENT_OBJECT, runEventSync, writesField } from '../sync';
import { invited, storeWithAccounts, tempDir, writeJsonl, type Ev } from './eventFiles';

const compiled = compilePlan(loadPlan());
const policy = loadPolicyFile();
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-03T00:00:00Z');
const days = policy.number('Events_Validate_Only_Days');

let dir: string;
let sink: UsageSink;
let db: Awaited<ReturnType<typeof storeWithAccounts>>['store']['db'];
beforeEach(async () => {
  dir = tempDir();
  const s = await storeWithAccounts(dir);
  sink = s.sink;
  db = s.store.db;
});
afterEach(async () => {
  await sink.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sync = (
  file: string,
  asOfMs: number,
  extra: { dryRun?: boolean; maxViolationRate?: number; exportDir?: string } = {}
) => runEventSync({ input: file, asOfMs, dryRun: false, maxViolationRate: 0.5, ...extra }, compiled, policy, sink);
const stored = async () =>
  (
    await db.runAndReadAll(`SELECT "Event_Id__c" AS id, "Category__c" AS category FROM "${EVENT_OBJECT}" ORDER BY 1`)
  ).getRowObjectsJS();

describe('gtm events sync', () => {
  it('holds a new source for the validate-only period, then writes; a re-run writes nothing', async () => {
    const file = writeJsonl(dir, 'e.jsonl', [invited({ event_id: 'a' }), invited({ event_id: 'b' })]);
    const first = await sync(file, T0);
    expect(first.summary).toMatchObject({ rows: 2, held_validate_only: 2, written: 0 });
    expect(first.summary.sources).toEqual([
      expect.objectContaining({
        source: 'product-web',
        validate_only: true,
        new_in_this_run: true,
        first_seen: new Date(T0).toISOString()
      })
    ]);
    expect(await stored()).toEqual([]);
    // one millisecond before the period ends it is still validate-only; the first seen time is not moved by a re-run
    const before = await sync(file, T0 + days * DAY - 1);
    expect(before.summary).toMatchObject({ held_validate_only: 2, written: 0 });
    expect(before.summary.sources[0]).toMatchObject({ new_in_this_run: false, first_seen: new Date(T0).toISOString() });
    const open = await sync(file, T0 + days * DAY);
    expect(open.summary).toMatchObject({ held_validate_only: 0, written: 2, unchanged: 0, failed: 0 });
    expect(await stored()).toEqual([
      { id: 'a', category: 'agent' },
      { id: 'b', category: 'agent' }
    ]);
    const again = await sync(file, T0 + days * DAY + 1);
    expect(again.summary).toMatchObject({ written: 0, unchanged: 2 });
  });

  it('quarantines violating rows to rejects.csv with their reasons, never drops them; the counts balance', async () => {
    const out = path.join(dir, 'out');
    const file = writeJsonl(dir, 'e.jsonl', [
      invited({ event_id: 'ok' }),
      invited({ event_id: 'bad', properties: { role: 'owner' } }),
      invited({ event_id: 'who', account_key: 'NOBODY' })
    ]);
    const r = await sync(file, T0 + days * DAY, { exportDir: out, maxViolationRate: 1 });
    await sync(file, T0 + 2 * days * DAY, { exportDir: out, maxViolationRate: 1 });
    const s = r.summary;
    expect(s).toMatchObject({ rows: 3, quarantined: 2, held_validate_only: 1, written: 0 });
    expect(s.rows).toBe(
      s.quarantined + s.conflicts + s.duplicates + s.held_validate_only + s.written + s.unchanged + s.failed
    );
    const rejects = fs.readFileSync(path.join(out, 'rejects.csv'), 'utf8').trim().split('\n');
    expect(rejects[0]).toBe('line,reason,raw');
    expect(rejects[1]).toMatch(
      /^2,"?Required-Missing \/properties\/invitee_email: invitee_email is required; Enum-Mismatch \/properties\/role/
    );
    expect(rejects[2]).toMatch(
      /^3,Unknown-Account \/account_key: no Account has Usage_Account_Key__c ""NOBODY""|^3,"Unknown-Account/
    );
    expect(rejects[2]).toContain('"event_id"');
    expect(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'))).toMatchObject({
      written: 1,
      quarantined: 2
    });
  });

  it('a duplicate event id with a different payload is a conflict: every row of it is quarantined; identical repeats are written once', async () => {
    const a = invited({ event_id: 'dup' });
    const file = writeJsonl(dir, 'e.jsonl', [
      a,
      { ...a, received_at: '2026-03-02T11:00:00Z' }, // the same event sent again
      invited({ event_id: 'x' }),
      invited({ event_id: 'x', properties: { invitee_email: 'other@example.com', role: 'agent' } })
    ]);
    const r = await sync(file, T0 + days * DAY);
    expect(r.summary).toMatchObject({ rows: 4, duplicates: 1, conflicts: 2, held_validate_only: 1 });
    expect(r.rejects.map((x) => [x.line, x.reason])).toEqual([
      [3, 'conflict: event_id x is given 2 times with different payloads (lines 3, 4); all are quarantined'],
      [4, 'conflict: event_id x is given 2 times with different payloads (lines 3, 4); all are quarantined']
    ]);
  });

  it('stops above the violation rate before writing anything', async () => {
    const file = writeJsonl(dir, 'e.jsonl', [invited(), invited({ event_name: 'Nope Happened' })]);
    await expect(sync(file, T0, { maxViolationRate: 0.1 })).rejects.toThrow(ValidationError);
    const sources = await db.runAndReadAll('SELECT count(*) AS n FROM "Event_Source__c"');
    expect(Number(sources.getRowObjectsJS()[0]!.n)).toBe(0);
  });

  it('follows each field rule on an update: crm_unless_blank keeps a CRM value, product_always overwrites', async () => {
    const pqa = (agents: number): Ev => ({
      event_id: 'pqa-1',
      event_name: 'PQA Qualified',
      schema_version: '1-0-0',
      occurred_at: '2026-03-02T10:00:00Z',
      account_key: 'ACME-001',
      source: 'crm',
      properties: { iso_week: '2026-W09', active_agents: agents }
    });
    const open = T0 + days * DAY;
    await sync(writeJsonl(dir, 'a.jsonl', [pqa(12)]), T0);
    await sync(writeJsonl(dir, 'a.jsonl', [pqa(12)]), open);
    await db.run(`UPDATE "${EVENT_OBJECT}" SET "Active_Agents__c" = 15 WHERE "Event_Id__c" = 'pqa-1'`); // edited in the CRM
    await db.run(`UPDATE "${EVENT_OBJECT}" SET "Source__c" = 'edited' WHERE "Event_Id__c" = 'pqa-1'`);
    const r = await sync(writeJsonl(dir, 'b.jsonl', [pqa(20)]), open);
    expect(r.summary).toMatchObject({ written: 1 });
    const row = (
      await db.runAndReadAll(`SELECT "Active_Agents__c" AS agents, "Source__c" AS source FROM "${EVENT_OBJECT}"`)
    ).getRowObjectsJS()[0];
    expect(row).toEqual({ agents: 15, source: 'crm' });
    expect(writesField('crm_always', undefined, 'F')).toBe(true);
    expect(writesField('crm_always', { F: null }, 'F')).toBe(false);
    expect(writesField('crm_unless_blank', { F: '' }, 'F')).toBe(true);
    expect(writesField('never', undefined, 'F')).toBe(false);
  });

  it('a dry run writes nothing, not even the new source', async () => {
    const file = writeJsonl(dir, 'e.jsonl', [invited()]);
    const r = await sync(file, T0, { dryRun: true });
    expect(r.summary.sources[0]).toMatchObject({ new_in_this_run: true, validate_only: true });
    const sources = await db.runAndReadAll('SELECT count(*) AS n FROM "Event_Source__c"');
    expect(Number(sources.getRowObjectsJS()[0]!.n)).toBe(0);
  });

  it('the reader gives weekly active agents per account from the synced events', async () => {
    const week = (id: string, account: string, isoWeek: string, agents: number): Ev => ({
      event_id: id,
      event_name: 'Agent Activity Reported',
      schema_version: '1-0-0',
      occurred_at: '2026-03-02T00:00:00Z',
      account_key: account,
      source: 'product-web',
      properties: { iso_week: isoWeek, active_agents: agents }
    });
    const file = writeJsonl(dir, 'w.jsonl', [
      week('w1', 'ACME-001', '2026-W08', 4),
      week('w2', 'ACME-001', '2026-W09', 7),
      week('w3', 'BETA-002', '2026-W09', 2)
    ]);
    await sync(file, T0);
    await sync(file, T0 + days * DAY);
    const agents = await weeklyActiveAgents(sink);
    expect([...agents].map(([k, v]) => [k, [...v].sort()])).toEqual(
      [
        [
          'ACME-001',
          [
            ['2026-W08', 4],
            ['2026-W09', 7]
          ]
        ],
        ['BETA-002', [['2026-W09', 2]]]
      ].sort()
    );
  });

  it('a late event for a complete week restates it: written, counted and named, never dropped or doubled', async () => {
    const report = (id: string, isoWeek: string, agents: number, occurred: string): Ev => ({
      event_id: id,
      event_name: 'Agent Activity Reported',
      schema_version: '1-0-0',
      occurred_at: occurred,
      account_key: 'ACME-001',
      source: 'product-web',
      properties: { iso_week: isoWeek, active_agents: agents }
    });
    const writable = T0 + days * DAY; // the source is past its validate-only period
    const first = writeJsonl(dir, 'first.jsonl', [
      report('w8', '2026-W08', 7, '2026-02-23T00:00:00Z'),
      invited({ event_id: 'i1', occurred_at: '2026-02-17T09:00:00Z', received_at: '2026-02-17T09:00:01Z' })
    ]);
    await sync(first, T0);
    const before = await sync(first, writable);
    // 2026-W08 (Feb 16-22) and W09 ended before the run: late, but nothing was aggregated for them yet
    expect(before.summary).toMatchObject({ written: 2, late_events: 2, restated_weeks: 0 });
    expect(Object.fromEntries((await weeklyActiveAgents(sink)).get('ACME-001')!)).toEqual({ '2026-W08': 7 });

    // the product re-reports W08 lower, and a teammate invitation of W08 arrives late
    const asOf = writable + 14 * DAY;
    const late = writeJsonl(dir, 'late.jsonl', [
      report('w8-restated', '2026-W08', 5, '2026-02-24T06:00:00Z'),
      invited({ event_id: 'i2', occurred_at: '2026-02-18T09:00:00Z', received_at: '2026-03-20T09:00:00Z' }),
      // in the week of the run: not late
      invited({ event_id: 'i3', occurred_at: new Date(asOf).toISOString(), received_at: new Date(asOf).toISOString() })
    ]);
    const out = path.join(dir, 'out');
    const r = await sync(late, asOf, { exportDir: out });
    expect(r.summary).toMatchObject({ rows: 3, written: 3, late_events: 2, restated_weeks: 2, quarantined: 0 });
    expect(r.restatements).toEqual([
      {
        account: 'ACME-001',
        event: 'Agent Activity Reported',
        iso_week: '2026-W08',
        events_before: 1,
        events_after: 2,
        event_ids: ['w8-restated']
      },
      {
        account: 'ACME-001',
        event: 'Teammate Invited',
        iso_week: '2026-W08',
        events_before: 1,
        events_after: 2,
        event_ids: ['i2']
      }
    ]);
    expect(fs.readFileSync(path.join(out, 'restatements.csv'), 'utf8').split('\n')[1]).toBe(
      'ACME-001,Agent Activity Reported,2026-W08,1,2,w8-restated'
    );
    // the week reads as restated: the latest report, not the higher one and not the two added up
    expect(Object.fromEntries((await weeklyActiveAgents(sink)).get('ACME-001')!)).toEqual({ '2026-W08': 5 });
    expect((await stored()).map((x) => x.id)).toEqual(['i1', 'i2', 'i3', 'w8', 'w8-restated']);

    // a re-run writes and restates nothing: nothing is doubled
    const again = await sync(late, asOf);
    expect(again.summary).toMatchObject({ written: 0, unchanged: 3, late_events: 0, restated_weeks: 0 });
    expect((await stored()).length).toBe(5);
  });
});
