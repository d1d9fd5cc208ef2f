import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { policyFromValues } from '../../rules/ruleSupport';
import { createLocalSink } from '../../store/localSink';
import { LOCAL_BUSINESS_HOURS } from '../../store/businessHours';
import { LocalStore } from '../../store/localStore';
import { judgeActivation, syncActivation, timeToActivation, windowCounter } from '../activation';
import { createPlan, evaluateStoredPlan, loadPlans } from '../planStore';

const policy = policyFromValues({
  Activation_Min_Ai_Resolved: '3',
  Activation_Window_Days: '7',
  Activation_Days_Target: '8',
  Onboarding_At_Risk_Check_Day: '3'
});
const ms = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;

describe('judgeActivation', () => {
  const goLive = '2026-11-16T15:00:00Z';

  it('is activated at go-live when the trailing window already holds the minimum', () => {
    const times = [ms('2026-11-10T10:00:00Z'), ms('2026-11-12T10:00:00Z'), ms('2026-11-16T14:00:00Z')];
    const j = judgeActivation(goLive, times, 'Passed', policy, 'tickets.csv');
    expect(j.activatedAt).toBe(goLive);
    expect(j.evidence).toMatchObject({
      ai_resolved: 3,
      minimum: 3,
      window_start: '2026-11-09T15:00:00Z',
      source: 'tickets.csv'
    });
    // usage got there before go-live: the discrepancy is reported, activation waits for the gate
    expect(j.usageBeforeGoLive).toBe('2026-11-16T14:00:00Z');
  });

  it('is activated at the AI resolution that brings the window to the minimum; older tickets fall out', () => {
    const times = [
      ms('2026-11-09T15:00:00Z'),
      ms('2026-11-17T10:00:00Z'),
      ms('2026-11-18T10:00:00Z'),
      ms('2026-11-19T10:00:00Z')
    ];
    const j = judgeActivation(goLive, times, null, policy, 'x');
    // 2026-11-09T15:00 is exactly 7 days before go-live: outside (t - 7d, t]
    expect(j.activatedAt).toBe('2026-11-19T10:00:00Z');
    expect(j.evidence!.ai_resolved).toBe(3);
    expect(j.evidence!.hallucination_gate).toBe('none');
  });

  it('is not activated before go-live, nor with a Failed hallucination gate, nor under the minimum', () => {
    const times = [1, 2, 3].map((d) => ms(goLive) + d * DAY);
    expect(judgeActivation(null, times, 'Passed', policy, 'x')).toMatchObject({
      activatedAt: null,
      reason: 'usage reached 3 AI resolutions in 7 days at 2026-11-19T15:00:00Z, but the go-live gate is not done',
      usageBeforeGoLive: '2026-11-19T15:00:00Z'
    });
    expect(judgeActivation(null, [], 'Passed', policy, 'x').reason).toBe('the go-live gate is not done');
    expect(judgeActivation(goLive, times, 'Failed', policy, 'x')).toMatchObject({
      activatedAt: null,
      reason: 'the hallucination gate is Failed'
    });
    expect(judgeActivation(goLive, times.slice(0, 2), 'Passed', policy, 'x').reason).toBe(
      '2 of 3 AI resolutions in the last 7 days of the export'
    );
  });

  it('counts time to activation in calendar days, business days beside', () => {
    const hours = LOCAL_BUSINESS_HOURS['Onboarding New York']!;
    // Monday 10:00 New York to the next Tuesday 10:00, Thanksgiving week: 8 days, 5 business days (Thu 26 closed)
    expect(timeToActivation('2026-11-23T15:00:00Z', '2026-12-01T15:00:00Z', hours)).toEqual({
      calendarDays: 8,
      businessDays: 5
    });
  });
});

describe('activation counting is linear per account', () => {
  /** The definition: how many instants fall in (t - window, t], counted one by one. */
  const countAt = (times: readonly number[], windowMs: number, t: number) =>
    times.filter((r) => r > t - windowMs && r <= t).length;
  // a seeded generator: the same instants every run
  const seeded = (seed: number) => () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;

  it('windowCounter answers as the definition, for every instant, ties and window edges included', () => {
    const random = seeded(7);
    const windowMs = 7 * DAY;
    const times = Array.from({ length: 400 }, () => Math.floor(random() * 60) * (DAY / 4)).sort((a, b) => a - b);
    const count = windowCounter(times, windowMs);
    for (const t of [...new Set([...times, ...times.map((x) => x + windowMs)])].sort((a, b) => a - b))
      expect([t, count(t)]).toEqual([t, countAt(times, windowMs, t)]);
  });

  it('reads each instant a bounded number of times over all questions (a count per question read them all)', () => {
    const n = 5_000;
    const times = Array.from({ length: n }, (_, i) => i * (DAY / 10));
    let reads = 0;
    const watched = new Proxy(times, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      }
    });
    const count = windowCounter(watched, 7 * DAY);
    for (const t of times) count(t);
    // two indexes that only move forward: at most two reads per instant and per question
    expect(reads).toBeLessThanOrEqual(4 * n);
  });

  it('judges as the definition would on random exports (activation time, count, and the usage before go-live)', () => {
    const random = seeded(11);
    for (let run = 0; run < 50; run++) {
      const start = ms('2026-11-01T00:00:00Z');
      const times = Array.from(
        { length: Math.floor(random() * 30) },
        () => start + Math.floor(random() * 40 * 24) * 3_600_000
      );
      const goLive = new Date(start + Math.floor(random() * 30) * DAY).toISOString().replace('.000Z', 'Z');
      const j = judgeActivation(goLive, times, null, policy, 'x');
      const sorted = [...times].sort((a, b) => a - b);
      const window = 7 * DAY;
      const expected = [ms(goLive), ...sorted.filter((r) => r > ms(goLive))].find(
        (t) => countAt(sorted, window, t) >= 3
      );
      expect(j.activatedAt === null ? null : ms(j.activatedAt)).toBe(expected ?? null);
      if (expected !== undefined) expect(j.evidence!.ai_resolved).toBe(countAt(sorted, window, expected));
      const before = sorted.find((r) => r < ms(goLive) && countAt(sorted, window, r) >= 3);
      expect(j.usageBeforeGoLive === null ? null : ms(j.usageBeforeGoLive)).toBe(before ?? null);
    }
  });

  it('refuses a question earlier than the last one (the indexes cannot go back)', () => {
    const count = windowCounter([1, 2, 3], 10);
    count(3);
    expect(() => count(2)).toThrow(RangeError);
  });
});

describe('gtm onboarding activation sync (store)', () => {
  let dir: string;
  let store: LocalStore;
  const exportFile = () => path.join(dir, 'tickets.csv');
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-activation-'));
    store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
    await store.db.run(
      `INSERT INTO "Account" ("Id", "Name", "Usage_Account_Key__c") VALUES ('001A', 'Aspen', 'aspen'), ('001B', 'Birch', 'birch')`
    );
    await store.db.run(
      `INSERT INTO "Opportunity" ("Id", "Name", "AccountId") VALUES ('006A', 'Aspen deal', '001A'), ('006B', 'Birch deal', '001B')`
    );
    const start = '2026-11-09T15:00:00Z';
    for (const [acct, opp] of [
      ['001A', '006A'],
      ['001B', '006B']
    ] as const) {
      const { plan } = await createPlan(store, { accountId: acct, opportunityId: opp, startAt: start });
      let now = Date.parse(start);
      // walk the plan to go-live done, one step an hour
      for (let i = 0; i < 8; i++) {
        const current = (await loadPlans(store.db, { planId: plan.id }))[0]!;
        const open = current.steps.filter((s) => s.status === 'Open' && s.key !== 'first_resolutions');
        for (const s of open) {
          now += 3_600_000;
          await evaluateStoredPlan(store, plan.id, new Date(now).toISOString().slice(0, 19) + 'Z', policy, {
            step: s.key,
            kind: 'complete'
          });
        }
      }
    }
    const rows = [
      'ticket_id,account_id,created_at,resolved_at,resolution',
      'T1,aspen,2026-11-10T09:00:00Z,2026-11-10T09:05:00Z,ai',
      'T2,aspen,2026-11-10T10:00:00Z,2026-11-10T10:05:00Z,AI',
      'T3,aspen,2026-11-11T10:00:00Z,2026-11-11T10:05:00Z,human',
      'T4,aspen,2026-11-12T10:00:00Z,2026-11-12T10:05:00Z,ai',
      'T4,aspen,2026-11-12T10:00:00Z,2026-11-12T10:01:00Z,ai',
      'T5,birch,2026-11-12T10:00:00Z,2026-11-12T10:05:00Z,ai',
      'T6,birch,not a time,,ai'
    ];
    fs.writeFileSync(exportFile(), rows.join('\n') + '\n');
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const snapshot = async () =>
    (await store.db.runAndReadAll(`SELECT * FROM "Onboarding_Plan__c" ORDER BY "Id"`))
      .getRowObjects()
      .map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));

  it('activates from the export with its evidence, and a re-run changes nothing', async () => {
    const first = await syncActivation(createLocalSink(store), exportFile(), policy);
    expect(first).toMatchObject({ rows: 7, rejected: 1, plans: 2, activated: 1, not_activated: 1, written: 1 });
    const aspen = first.changes.find((c) => c.plan === 'onb:006A')!;
    const goLive = (await loadPlans(store.db, { accountId: '001A' }))[0]!.steps.find((s) => s.key === 'go_live')!;
    // go-live was done on the start day with no AI resolution in the window; the third one (T4 counted once, at its
    // latest resolved_at) is the first instant with 3 in the trailing 7 days
    expect(goLive.completedAt! < '2026-11-10T09:05:00Z').toBe(true);
    expect(aspen.activated_at).toBe('2026-11-12T10:05:00Z');
    expect(aspen.calendar_days).toBeCloseTo(
      (Date.parse('2026-11-12T10:05:00Z') - Date.parse('2026-11-09T15:00:00Z')) / 86_400_000,
      9
    );
    expect(first.changes.find((c) => c.plan === 'onb:006B')!.reason).toBe(
      '1 of 3 AI resolutions in the last 7 days of the export'
    );
    const [plan] = await loadPlans(store.db, { accountId: '001A' });
    expect(plan!.status).toBe('Activated');
    expect(JSON.parse(plan!.evidence!)).toMatchObject({ ai_resolved: 3, minimum: 3, source: 'tickets.csv' });

    // the plan's Onboarding Activated event, which the day-90 Time_To_Activation KPI counts, linked to the account
    const events = async () =>
      (
        await store.db.runAndReadAll(
          `SELECT "Event_Id__c" AS id, "Event_Name__c" AS name, "Account__c" AS account, "Quantity__c" AS days,
                  strftime("Occurred_At__c", '%Y-%m-%dT%H:%M:%SZ') AS at FROM "Funnel_Event__c" ORDER BY 1`
        )
      )
        .getRowObjects()
        .map((r) => ({ id: String(r.id), name: r.name, account: r.account, at: r.at, days: Number(r.days) }));
    expect(first.events_written).toBe(1);
    expect(await events()).toEqual([
      {
        id: 'crm:onboarding_activated:onb:006A',
        name: 'Onboarding Activated',
        account: '001A',
        days: 2, // whole days from 2026-11-09 15:00 to 2026-11-12 10:05
        at: '2026-11-12T10:05:00Z'
      }
    ]);

    const before = await snapshot();
    const again = await syncActivation(createLocalSink(store), exportFile(), policy);
    expect(again).toMatchObject({ activated: 0, unchanged: 1, written: 0, events_written: 0 });
    expect(await snapshot()).toEqual(before);
    // an event lost after its plan was written (a run that stopped between the two) is written by the next run
    await store.db.run(`DELETE FROM "Funnel_Event__c"`);
    expect((await syncActivation(createLocalSink(store), exportFile(), policy)).events_written).toBe(1);
    expect((await events()).map((e) => e.id)).toEqual(['crm:onboarding_activated:onb:006A']);
  });

  it('a dry run writes nothing; an export without the columns is refused naming them', async () => {
    const before = await snapshot();
    expect((await syncActivation(createLocalSink(store), exportFile(), policy, { dryRun: true })).written).toBe(0);
    expect(await snapshot()).toEqual(before);
    fs.writeFileSync(exportFile(), 'ticket_id,account\nT1,aspen\n');
    await expect(syncActivation(createLocalSink(store), exportFile(), policy)).rejects.toThrow(
      /missing columns account_id, created_at/
    );
    await expect(syncActivation(createLocalSink(store), path.join(dir, 'nope.csv'), policy)).rejects.toThrow(
      'does not exist'
    );
  });
});
