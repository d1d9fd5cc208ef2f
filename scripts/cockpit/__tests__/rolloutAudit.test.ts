/**
 * The rollout audit over hand-made rows, each figure worked out by hand in the comments; the thresholds come from
 * the policy file, so each case reads them and places its rows on either side. Then `gtm scorecard audit` on a
 * store: a usage sync's run row feeds data quality, the audit is stored, --export writes its files, a bad --as-of
 * is a usage error.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPolicyFile } from '../../policy/policy';
import type { ReadoutRow } from '../../routing/readout';
import { runGtm } from '../../test-support/runGtm';
import { openExistingStore } from '../../commands/pqa';
import {
  dataQuality,
  loadAuditInput,
  handoffReliability,
  rolloutAudit,
  supportBurden,
  thresholdText,
  type AuditInput,
  type SyncRunRow
} from '../rolloutAudit';
import { reasonCategory, syncRunRows, ticketExportRun } from '../syncRuns';

jest.setTimeout(180_000);

const policy = loadPolicyFile();
const AS_OF = '2026-05-30T00:00:00Z';
const DAY = 86_400_000;
const at = (days: number) => new Date(Date.parse(AS_OF) - days * DAY).toISOString();

const empty = (): AuditInput => ({
  syncRuns: [],
  sources: [],
  routing: [],
  steps: [],
  starts: [],
  ticketWeeks: new Map()
});
const run = (over: Partial<SyncRunRow>): SyncRunRow => ({
  kind: 'usage',
  source: 'ticket-export',
  runAt: at(1),
  read: 1000,
  rejected: 0,
  failures: 0,
  reasons: {},
  ...over
});

describe('data quality', () => {
  const max = policy.number('Rollout_Audit_Max_Reject_Rate');
  const window = policy.integer('Rollout_Audit_Window_Days');
  const stale = policy.integer('Rollout_Audit_Stale_Source_Days');

  it('sums the runs in the window per source and ISO week; a run before the window is left out', () => {
    const input = empty();
    // 2026-05-29 and 2026-05-28 are in ISO week 2026-W22 (Mon 05-25 .. Sun 05-31); 2026-05-20 in W21
    input.syncRuns = [
      run({ runAt: '2026-05-29T06:00:00Z', read: 400, rejected: 2, reasons: { 'ticket_id is empty': 2 } }),
      run({ runAt: '2026-05-28T06:00:00Z', read: 600, rejected: 1, reasons: { 'ticket_id is empty': 1 } }),
      run({ runAt: '2026-05-20T06:00:00Z', read: 500, rejected: 0 }),
      run({ runAt: at(window + 1), read: 9999, rejected: 9999 })
    ];
    const dq = dataQuality(input, policy, AS_OF);
    // 3 of 1500 = 0.2%, below the max
    expect([dq.runs, dq.read, dq.rejected, dq.rejectRate]).toEqual([3, 1500, 3, 3 / 1500]);
    expect(dq.bySourceWeek.map((w) => [w.week, w.runs, w.read, w.rejected, w.reasons])).toEqual([
      ['2026-W21', 1, 500, 0, []],
      ['2026-W22', 2, 1000, 3, [{ reason: 'ticket_id is empty', rows: 3 }]]
    ]);
    expect(dq.status).toBe('pass');
    expect(dq.n).toBe(1500);
    expect(dq.reason).toContain('3 of 1500 synced rows rejected (0.2%');
  });

  it('fails above the reject rate; one source-week above it alone is attention', () => {
    const input = empty();
    const over = Math.ceil(max * 1000) + 1; // just above the max on 1000 rows
    input.syncRuns = [run({ read: 1000, rejected: over })];
    const failed = dataQuality(input, policy, AS_OF);
    expect(failed.status).toBe('fail');
    expect(failed.reason).toContain(`${over} of 1000 synced rows rejected`);
    // the same week among 9000 clean rows of another week: overall below, the one week above
    input.syncRuns.push(run({ runAt: '2026-05-13T06:00:00Z', read: 9000 }));
    const mixed = dataQuality(input, policy, AS_OF);
    expect(mixed.status).toBe('attention');
    expect(mixed.reason).toBe(
      `ticket-export in 2026-W22: ${over} of 1000 rows rejected (${((over / 1000) * 100).toFixed(1)}%)`
    );
  });

  it('a write failure is attention; a source without data for longer than the policy days fails', () => {
    const input = empty();
    input.syncRuns = [run({ failures: 2 })];
    expect(dataQuality(input, policy, AS_OF)).toMatchObject({
      status: 'attention',
      reason: '2 records failed to write'
    });
    input.sources = [
      { kind: 'events', source: 'product-web', lastDataAt: at(stale), firstSeenAt: at(60) },
      { kind: 'events', source: 'billing', lastDataAt: at(stale + 1), firstSeenAt: at(60) },
      { kind: 'events', source: 'mobile', lastDataAt: null, firstSeenAt: at(stale + 5) }
    ];
    const dq = dataQuality(input, policy, AS_OF);
    expect(dq.status).toBe('fail');
    expect(dq.stale.map((s) => [s.source, s.daysWithoutData])).toEqual([
      ['billing', stale + 1],
      ['mobile', stale + 5]
    ]);
    expect(dq.reason).toContain(`billing has had no data for ${stale + 1} days (more than ${stale})`);
    expect(dq.reason).toContain(`mobile has sent no data since it was first seen ${stale + 5} days ago`);
  });

  it('no run in the window is attention, said', () => {
    expect(dataQuality(empty(), policy, AS_OF)).toMatchObject({
      status: 'attention',
      n: 0,
      reason: `no sync run recorded in the ${window} days to the as-of date`
    });
  });
});

describe('handoff reliability', () => {
  const minReliability = policy.number('Workflow_Reliability_Min');
  const maxSlip = policy.number('Rollout_Audit_Max_Step_Slip_Rate');
  const signal = (i: number, ok: boolean, sla: string): ReadoutRow => ({
    accountKey: `A${i}`,
    arm: 'Treatment',
    matched: false,
    qualifiedAt: '2026-04-01T10:00:00Z',
    pilotStartedAt: null,
    slaStatus: sla,
    workflowOk: ok,
    workflowFailure: ok ? null : 'no Task within the minutes'
  });

  it("exp-001's reliability and SLA attainment as its readout gives them; below the seed's minimum fails", () => {
    const input = empty();
    // 10 treatment signals, 9 ok = 90%; SLA Met on 8 of 10 (the rest Breached)
    input.routing = Array.from({ length: 10 }, (_, i) => signal(i, i !== 0, i < 8 ? 'Met' : 'Breached'));
    const hr = handoffReliability(input, policy, AS_OF);
    expect(hr.workflow).toMatchObject({ signals: 10, ok: 9, rate: 0.9 });
    expect(hr.sla).toEqual({ met: 8, closed: 10, rate: 0.8 });
    // at the seed's minimums (90% reliability, 80% SLA), not below them
    expect([minReliability, policy.number('Exp001_Min_Sla_Attainment')]).toEqual([0.9, 0.8]);
    expect(hr.status).toBe('pass');
    // a second failure: 8 of 10 = 80%, below 90%
    input.routing[1] = signal(1, false, 'Met');
    const failed = handoffReliability(input, policy, AS_OF);
    expect(failed.status).toBe('fail');
    expect(failed.reason).toContain(
      `exp-001 workflow reliability 80.0% (8 of 10) below ${(minReliability * 100).toFixed(1)}%`
    );
  });

  it('onboarding steps: completed after due, or open past due, slip; skipped and not-yet-due ones do not count', () => {
    const input = empty();
    input.steps = [
      { plan: 'p1', step: 'kickoff', status: 'Done', dueAt: at(10), completedAt: at(11) }, // on time
      { plan: 'p1', step: 'sso', status: 'Done', dueAt: at(10), completedAt: at(9) }, // late by a day
      { plan: 'p1', step: 'pilot', status: 'Open', dueAt: at(2), completedAt: null }, // overdue
      { plan: 'p2', step: 'kickoff', status: 'Skipped', dueAt: at(5), completedAt: null }, // skipped: out
      { plan: 'p2', step: 'golive', status: 'Open', dueAt: at(-3), completedAt: null }, // not due: out
      { plan: 'p2', step: 'train', status: 'Done', dueAt: at(-3), completedAt: at(1) }, // done early: counts, on time
      { plan: 'p3', step: 'late-after-asof', status: 'Done', dueAt: at(4), completedAt: at(-1) } // open at as-of: overdue
    ];
    const hr = handoffReliability(input, policy, AS_OF);
    // due 5 (kickoff, sso, pilot, train, late-after-asof); late 1 (sso); overdue 2 (pilot, late-after-asof)
    expect(hr.steps).toMatchObject({ due: 5, late: 1, overdue: 2, slipRate: 3 / 5 });
    expect(hr.steps.slipped.map((s) => `${s.plan}/${s.step}`)).toEqual(['p1/pilot', 'p1/sso', 'p3/late-after-asof']);
    expect(hr.status).toBe(3 / 5 > maxSlip ? 'attention' : 'pass');
    expect(hr.reason).toContain('3 of 5 onboarding steps slipped (1 completed late, 2 overdue: 60.0%)');
    expect(hr.n).toBe(5);
  });
});

describe('support burden', () => {
  const days = policy.integer('Onboarding_Guardrail_Days');
  const maxRise = policy.number('Rollout_Audit_Max_Support_Rise');
  const start = policy.date('Program_Start_Date');
  const startMs = Date.parse(`${start}T00:00:00Z`);
  /** weekly tickets from a start, covering the window */
  const weeks = (from: number, perWeek: number) =>
    Array.from({ length: Math.ceil(days / 7) + 1 }, (_, i) => ({ week: from + i * 7 * DAY, tickets: perWeek }));

  it('program accounts against the pre-program baseline over the first days; a rise above the max fails', () => {
    const input = empty();
    const pre = startMs - 100 * DAY;
    const post = startMs + 7 * DAY;
    input.starts = [
      { accountId: 'B1', kind: 'onboarding', startAt: new Date(pre).toISOString() },
      { accountId: 'P1', kind: 'onboarding', startAt: new Date(post).toISOString() },
      { accountId: 'P2', kind: 'pilot', startAt: new Date(post).toISOString() },
      // P2's plan after its pilot: the account counts once, from its first start
      { accountId: 'P2', kind: 'onboarding', startAt: new Date(post + 20 * DAY).toISOString() }
    ];
    // weeks starting in [start, start + 30 days): 0, 7, 14, 21, 28 -> 5 weeks
    input.ticketWeeks = new Map([
      ['B1', weeks(pre, 2)], // 5 x 2 = 10
      ['P1', weeks(post, 2)], // 10
      ['P2', weeks(post, 3)] // 15
    ]);
    const sb = supportBurden(input, policy, AS_OF);
    expect(sb.program).toEqual({ accounts: 2, known: 2, ticketsPerAccount: 12.5 });
    expect(sb.baseline).toEqual({ accounts: 1, known: 1, ticketsPerAccount: 10 });
    expect(sb.rise).toBeCloseTo(0.25, 12); // 12.5 / 10 - 1
    expect(sb.status).toBe(0.25 > maxRise ? 'fail' : 'attention');
    expect(sb.reason).toBe(
      `12.50 tickets per account in its first ${days} days (2 accounts) against 10.00 before the program (1 accounts): a rise of 25.0%, above ${(maxRise * 100).toFixed(1)}%`
    );
    // no rise: P2 at 2 a week too
    input.ticketWeeks.set('P2', weeks(post, 2));
    expect(supportBurden(input, policy, AS_OF)).toMatchObject({ status: 'pass', rise: 0 });
  });

  it('no baseline in the data is attention, and an account whose window is still open is not counted', () => {
    const input = empty();
    input.starts = [
      { accountId: 'P1', kind: 'pilot', startAt: at(days + 7) },
      { accountId: 'P2', kind: 'pilot', startAt: at(days - 1) } // its first days end after the as-of
    ];
    input.ticketWeeks = new Map([
      ['P1', weeks(Date.parse(at(days + 7)), 1)],
      ['P2', weeks(Date.parse(at(days - 1)), 9)]
    ]);
    const sb = supportBurden(input, policy, AS_OF);
    expect(sb.program).toEqual({ accounts: 1, known: 1, ticketsPerAccount: 5 });
    expect(sb.status).toBe('attention');
    expect(sb.reason).toContain('no pre-program baseline in the data to compare with');
  });
});

it('the audit is as bad as its worst section', () => {
  const input = empty();
  input.syncRuns = [run({})];
  input.sources = [{ kind: 'usage', source: 'ticket-export', lastDataAt: at(1), firstSeenAt: null }];
  const a = rolloutAudit(input, policy, AS_OF);
  expect(a.sections.map((s) => s.status)).toEqual(['pass', 'attention', 'attention']);
  expect(a.status).toBe('attention');
  input.sources[0]!.lastDataAt = at(60);
  expect(rolloutAudit(input, policy, AS_OF).status).toBe('fail');
});

describe('thresholds in words', () => {
  it('every section names its thresholds in words and units, never as policy keys', () => {
    const audit = rolloutAudit(empty(), policy, AS_OF);
    for (const s of audit.sections) {
      const text = thresholdText(s);
      for (const t of s.thresholds) expect(text).not.toContain(t.key);
      expect(text.split(', ')).toHaveLength(s.thresholds.length);
    }
    const pct = (key: string) => `${(policy.number(key) * 100).toFixed(1)}%`;
    expect(thresholdText(audit.sections[0]!)).toBe(
      `at most ${pct('Rollout_Audit_Max_Reject_Rate')} of rows rejected, ` +
        `every source has data within ${policy.integer('Rollout_Audit_Stale_Source_Days')} days, ` +
        `over the last ${policy.integer('Rollout_Audit_Window_Days')} days`
    );
  });

  it('a threshold without words yet shows its key and value rather than nothing', () => {
    const s = { title: 't', status: 'pass' as const, reason: 'r', n: 0, thresholds: [{ key: 'New_Key', value: 3 }] };
    expect(thresholdText(s)).toBe('New_Key 3');
  });
});

describe('sync run rows', () => {
  it("a reason without the row's values; one row per source keyed kind|source|instant", () => {
    expect(reasonCategory('created_at "2026-13-01" is not a calendar date')).toBe(
      'created_at "…" is not a calendar date'
    );
    expect(reasonCategory('resolution must be ai, human or unresolved, not "bot"')).toBe(
      'resolution must be ai, human or unresolved, not "…"'
    );
    const run = ticketExportRun(
      10,
      [{ reason: 'ticket_id is empty' }, { reason: 'ticket_id is empty' }, { reason: 'x "1"' }],
      1
    );
    expect(syncRunRows('usage', '2026-05-29T06:00:00.000Z', [run])).toEqual([
      expect.objectContaining({
        Run_Key__c: 'usage|ticket-export|2026-05-29T06:00:00.000Z',
        Rows_Read__c: 10,
        Rows_Rejected__c: 3,
        Write_Failures__c: 1,
        Reject_Reasons__c: JSON.stringify({ 'ticket_id is empty': 2, 'x "…"': 1 })
      })
    ]);
  });
});

describe('gtm scorecard audit', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-audit-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a usage sync's run row, stores the audit, exports its files; a bad --as-of exits 2", async () => {
    const store = path.join(dir, 'store.duckdb');
    const csv = path.join(dir, 'tickets.csv');
    // 4 rows, one without a ticket id
    fs.writeFileSync(
      csv,
      'ticket_id,account_id,created_at,resolved_at,resolution\n' +
        'T1,ACME,2026-05-25T10:00:00Z,2026-05-25T11:00:00Z,ai\n' +
        'T2,ACME,2026-05-25T10:00:00Z,2026-05-25T11:00:00Z,human\n' +
        ',ACME,2026-05-26T10:00:00Z,2026-05-26T11:00:00Z,ai\n' +
        'T4,ACME,2026-05-26T10:00:00Z,,unresolved\n'
    );
    const sync = runGtm([
      'usage',
      'sync',
      csv,
      '--no-cache',
      '--store',
      store,
      '--as-of',
      '2026-05-29T06:00:00Z',
      '--create-accounts',
      '--max-reject-rate',
      '0.5'
    ]);
    expect(sync.code).toBe(0);
    const out = path.join(dir, 'export');
    const r = runGtm(['scorecard', 'audit', '--as-of', '2026-05-30', '--store', store, '--json', '--export', out]);
    expect(r.code).toBe(0);
    const audit = JSON.parse(r.stdout) as {
      sections: { key: string; status: string; read: number; rejected: number }[];
    };
    // 1 of 4 rows rejected: 25%, above the max
    expect(audit.sections[0]).toMatchObject({ key: 'data_quality', status: 'fail', read: 4, rejected: 1 });
    expect(fs.readFileSync(path.join(out, 'source_weeks.csv'), 'utf8').split('\n')[1]).toBe(
      'usage,ticket-export,2026-W22,1,4,1,0,ticket_id is empty: 1'
    );
    // stored, keyed by the date: a second run replaces it
    const again = runGtm(['scorecard', 'audit', '--as-of', '2026-05-30', '--store', store]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('### Data quality: fail');
    const stored = await openExistingStore(store);
    try {
      const rows = (
        await stored.db.runAndReadAll(`SELECT "Audit_Key__c" AS k, "Status__c" AS s FROM "GTM_Rollout_Audit__c"`)
      ).getRowObjects();
      expect(rows).toEqual([{ k: 'rollout-audit|2026-05-30', s: 'fail' }]);
      // a feed's event makes a source; the CRM's own events (crm:...) are derived from records, never a stale feed
      await stored.db.run(
        `INSERT INTO "Funnel_Event__c" ("Id", "Event_Id__c", "Source__c", "Occurred_At__c") VALUES
           ('a0F000000000001', 'e-1', 'segment', TIMESTAMP '2026-03-01 10:00:00'),
           ('a0F000000000002', 'crm:expansion_trigger_fired:x', 'gtm usage sync', TIMESTAMP '2026-03-01 10:00:00')`
      );
      const input = await loadAuditInput(stored, '2026-05-30T23:59:59Z');
      expect(input.sources.map((x) => x.source).sort()).toEqual(['segment', 'ticket-export']);
      // a run row whose reasons are not JSON (edited by hand) is named, not a raw parse error
      await stored.db.run(`UPDATE "GTM_Sync_Run__c" SET "Reject_Reasons__c" = 'oops'`);
      await expect(loadAuditInput(stored, '2026-05-30T23:59:59Z')).rejects.toThrow(
        /GTM_Sync_Run__c usage\|ticket-export\|.*: Reject_Reasons__c is not a JSON object of reason -> rows: "oops"/
      );
    } finally {
      await stored.close();
    }
    const bad = runGtm(['scorecard', 'audit', '--as-of', '2026-02-30', '--store', store]);
    expect(bad.code).toBe(2);
  });
});
