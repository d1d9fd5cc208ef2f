import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import { LOCAL_OBJECTS, LocalStore, q } from '../../store/localStore';
import { FALSE_POSITIVE, TRUE_POSITIVE } from '../../usage/backtest';
import { runBacktest, type BacktestResult } from '../../usage/backtestRun';
import { runUsageSync, type SyncResult } from '../../usage/sync';
import { createStoreControllers, createStoreData } from '../controllers';
import { queryRows } from '../controllers/storeAccess';
import { buildSampleWorld, DEFAULT_TODAY, SAMPLE_ACCOUNTS, usageKeyOf, type SampleWorld } from '../sampleWorld';

jest.setTimeout(120_000);

const policy = loadPolicyFile();
const schema = loadSchema();
const minTickets = policy.integer('Expansion_Min_Weekly_Tickets');
const threshold = Number(policy.decimal('Expansion_Share_Threshold'));

let dir: string;
let world: SampleWorld;
let store: LocalStore;
let sync: SyncResult;
let backtest: BacktestResult;

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every local table, rows in Id order: what two builds must agree on. */
async function dump(s: LocalStore): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const object of LOCAL_OBJECTS) out[object] = await queryRows(s, `SELECT * FROM ${q(object)} ORDER BY "Id"`);
  return JSON.stringify(out);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-world-'));
  world = await buildSampleWorld(path.join(dir, 'a', 'store.duckdb'));
  store = await LocalStore.open(path.join(dir, 'a', 'store.duckdb'), schema);
});

afterAll(async () => {
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the sample world', () => {
  it('is deterministic: a second build gives the same records, ids and files', async () => {
    const other = await buildSampleWorld(path.join(dir, 'b', 'store.duckdb'));
    expect(other.asOf).toBe(world.asOf);
    expect(sha256(other.ticketExport)).toBe(sha256(world.ticketExport));
    expect(fs.readFileSync(other.outcomesFile, 'utf8')).toBe(fs.readFileSync(world.outcomesFile, 'utf8'));
    const second = await LocalStore.open(path.join(dir, 'b', 'store.duckdb'), schema);
    try {
      expect(await dump(second)).toBe(await dump(store));
    } finally {
      await second.close();
    }
  });

  it('rebuilds the store from scratch', async () => {
    const file = path.join(dir, 'd', 'store.duckdb');
    await buildSampleWorld(file);
    const s = await LocalStore.open(file, schema);
    await s.db.run(`INSERT INTO "Account" ("Id", "Name") VALUES ('001Lstray', 'Stray')`);
    await s.close();
    await buildSampleWorld(file);
    const again = await LocalStore.open(file, schema);
    try {
      expect(await queryRows(again, `SELECT "Id" FROM "Account" WHERE "Name" = 'Stray'`)).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('defaults today to a fixed day and syncs as of its midnight', () => {
    expect(world.today).toBe(DEFAULT_TODAY);
    expect(world.asOf).toBe(`${DEFAULT_TODAY}T00:00:00Z`);
  });

  it("holds exp-001's 25 target accounts, enterprise segments and a usage key on every account", async () => {
    const accounts = await queryRows(
      store,
      'SELECT "GTM_Segment__c" AS s, "GTM_Target_Account__c" AS t, "Usage_Account_Key__c" AS k FROM "Account"'
    );
    expect(accounts).toHaveLength(SAMPLE_ACCOUNTS.length);
    expect(accounts.filter((a) => a.t === true)).toHaveLength(policy.integer('Exp001_Target_Account_Count'));
    const enterprise = policy.list('Enterprise_Segments');
    expect(accounts.filter((a) => enterprise.includes(String(a.s))).length).toBeGreaterThan(5);
    expect(new Set(accounts.map((a) => a.k)).size).toBe(accounts.length);
    expect(accounts.every((a) => typeof a.k === 'string' && a.k !== '')).toBe(true);
  });

  it('holds pilots with scorecards on time, overdue, ready and blocked, and one without a scorecard', async () => {
    const controllers = createStoreControllers(store, world.today);
    const pilots = (await createStoreData(store).listOpportunities()).filter(
      (o) => o.stageName === policy.text('Stage_Pilot')
    );
    const views = await Promise.all(
      pilots.map((o) => controllers['GtmPilotScorecardController.getScorecard']({ opportunityId: o.id }))
    );
    const withCard = views.filter((v) => v.scorecardId);
    expect(views.filter((v) => !v.scorecardId).length).toBeGreaterThanOrEqual(1);
    expect(withCard.filter((v) => v.completion === 'overdue').length).toBeGreaterThanOrEqual(2);
    expect(withCard.filter((v) => v.completion === 'due' && (v.daysLeft ?? -1) >= 0).length).toBeGreaterThanOrEqual(2);
    const ready = withCard.filter((v) => v.readiness.ready);
    expect(ready.length).toBeGreaterThanOrEqual(2);
    for (const v of ready) {
      expect(v.gate?.status).toBe('Passed');
      expect(v.gate?.fallbackPath).toBeTruthy();
      expect(v.score).toBeGreaterThanOrEqual(Number(v.minScore));
    }
    const blocked = withCard.filter((v) => v.completion === 'complete' && !v.readiness.ready);
    const blockers = blocked.flatMap((v) => v.readiness.blockers);
    expect(blockers.some((b) => b.code === 'scorecard_below_threshold')).toBe(true);
    expect(blockers.some((b) => b.message === 'hallucination gate is Failed')).toBe(true);
    expect(blockers.some((b) => b.code === 'audit_sample_small' && /below the \d+ minimum/.test(b.message))).toBe(true);
    expect(blockers.some((b) => b.code === 'collateral_expires_before_close')).toBe(true);
  });

  it('holds security packets whose collateral expires before close, has expired, or is missing, over a current library', async () => {
    const controllers = createStoreControllers(store, world.today);
    const opps = await createStoreData(store).listOpportunities();
    const packets = (
      await Promise.all(
        opps.map((o) => controllers['GtmSecurityPacketController.getPacketStatus']({ opportunityId: o.id }))
      )
    ).filter((p) => p.packetId);
    const statuses = (p: (typeof packets)[number]) => p.collateral.map((c) => c.status);
    expect(packets.some((p) => statuses(p).includes('expires_before_close'))).toBe(true);
    expect(packets.some((p) => statuses(p).includes('expired'))).toBe(true);
    expect(packets.some((p) => statuses(p).includes('missing'))).toBe(true);
    expect(packets.filter((p) => p.collateralCurrent).length).toBeGreaterThanOrEqual(2);
    // the library (no packet) is published and current: only the deal's own questionnaire differs
    for (const p of packets) {
      for (const c of p.collateral.filter((x) => x.type !== 'Security Questionnaire')) expect(c.status).toBe('current');
    }
    const states = new Set(packets.map((p) => p.cycle.state));
    expect([...states].sort()).toEqual(['blocked', 'completed', 'in_progress']);
    expect(packets.some((p) => p.cycle.state === 'completed' && p.cycle.onTarget === false)).toBe(true);
    expect(packets.some((p) => p.cycle.state === 'completed' && p.cycle.onTarget === true)).toBe(true);
  });

  it('writes no snapshots or triggers itself', async () => {
    for (const object of ['Usage_Snapshot__c', 'Expansion_Trigger__c']) {
      expect(await queryRows(store, `SELECT "Id" FROM ${q(object)}`)).toEqual([]);
    }
    // its only Tasks are the exp-001 routing's: each PQA owner's open follow-up, named by its assignment
    expect(
      await queryRows(
        store,
        `SELECT "Id" FROM "Task" WHERE "Id" NOT IN (SELECT "Owner_Task_Id__c" FROM "Routing_Assignment__c" WHERE "Owner_Task_Id__c" IS NOT NULL)
            OR "TaskSubtype" IS DISTINCT FROM 'Task' OR "IsClosed"`
      )
    ).toEqual([]);
  });
});

describe('the real usage sync and backtest over the sample world', () => {
  beforeAll(async () => {
    const sink = createLocalSink(store);
    const asOfMs = Date.parse(world.asOf);
    sync = await runUsageSync(
      { input: world.ticketExport, asOfMs, dryRun: false, maxRejectRate: policy.number('Usage_Max_Reject_Rate') },
      policy,
      sink
    );
    backtest = await runBacktest(sink, policy, { asOfMs, outcomesFile: world.outcomesFile, dryRun: false });
  });

  it('reads every ticket without a reject and writes every snapshot and trigger', () => {
    expect(sync.summary.rows_read).toBeGreaterThan(40_000);
    expect(sync.summary.rows_read).toBeLessThan(90_000);
    expect(sync.summary.rejected).toBe(0);
    expect(sync.failures).toEqual([]);
    expect(sync.summary.snapshot_writes.failed).toBe(0);
    expect(sync.summary.trigger_writes.written).toBe(sync.triggers.length);
  });

  it('fires triggers for the champions and the late risers, in shadow mode', () => {
    const fired = new Set(sync.triggers.map((t) => t.accountKey));
    const of = (profile: string) => SAMPLE_ACCOUNTS.filter((a) => a.profile === profile).map((a) => usageKeyOf(a.name));
    for (const key of [...of('champion'), ...of('riser')]) expect(fired.has(key)).toBe(true);
    for (const key of [...of('nearShare'), ...of('nearVolume'), ...of('brokenStreak'), ...of('building'), ...of('low')])
      expect(fired.has(key)).toBe(false);
    expect(sync.summary.mode).toBe(policy.text('Expansion_Mode'));
  });

  it('has accounts that nearly qualify: share just under, volume just under, a streak one week short', async () => {
    const controllers = createStoreControllers(store, world.today);
    const accounts = await createStoreData(store).listAccounts();
    const views = await Promise.all(
      accounts.map((a) => controllers['GtmExpansionTriggerController.getExpansionView']({ accountId: a.id }))
    );
    const untriggered = views.filter((v) => v.triggers.length === 0);
    const complete = (v: (typeof views)[number]) => v.weeks.filter((w) => w.complete);
    const shareJustUnder = untriggered.filter((v) =>
      complete(v).some((w) => w.ticketsTotal >= minTickets && w.share >= threshold - 0.03 && !w.qualifies)
    );
    const volumeJustUnder = untriggered.filter((v) =>
      complete(v).some((w) => w.ticketsTotal < minTickets && w.ticketsTotal >= minTickets - 6 && w.share >= threshold)
    );
    const streakShort = untriggered.filter((v) => v.streak.length === v.streak.required - 1);
    expect(shareJustUnder.length).toBeGreaterThanOrEqual(2);
    expect(volumeJustUnder.length).toBeGreaterThanOrEqual(2);
    expect(streakShort.length).toBeGreaterThanOrEqual(1);
    // and the chart shows the policy's number of weeks, the current one incomplete
    const charted = views.find((v) => v.weeks.length > 0)!;
    expect(charted.weeks).toHaveLength(policy.integer('Expansion_Chart_Weeks'));
    expect(charted.weeks.at(-1)!.complete).toBe(false);
  });

  it('labels the triggers whose outcome window has closed, true and false positives, and leaves recent ones pending', () => {
    const labels = backtest.labelled.map((l) => l.label);
    expect(labels).toContain(TRUE_POSITIVE);
    expect(labels).toContain(FALSE_POSITIVE);
    expect(backtest.pending.length).toBeGreaterThan(0);
    expect(backtest.writes.failed).toBe(0);
    // too few labelled triggers to clear live mode: the sample world stays in shadow mode
    expect(backtest.report.met).toBe(false);
  });
});
