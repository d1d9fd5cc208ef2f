import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../lib/errors';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile, Policy } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import { LocalStore } from '../../store/localStore';
import { ticketCsv, WeekPlan } from '../../test-support/ticketExport';
import { isoWeekLabel, weekIndexOfLabel, weekStartMs } from '../isoWeek';
import { TRIGGER_FIELDS, TRIGGER_OBJECT } from '../records';
import type { UsageSink } from '../sink';
import { runUsageSync, SyncOptions } from '../sync';
import { thresholdsFromPolicy } from '../triggerRules';

jest.setTimeout(60_000);

const policy = loadPolicyFile();
const schema = loadSchema();
const t = thresholdsFromPolicy(policy);
const W = weekIndexOfLabel('2026-W10')!;
const qualifying = (account: string, week: number): WeekPlan => ({
  account,
  weekIndex: W + week,
  total: t.minTickets,
  ai: Math.ceil(t.minTickets * Number(t.share))
});
const weak = (account: string, week: number): WeekPlan => ({
  account,
  weekIndex: W + week,
  total: t.minTickets,
  ai: 1,
  unresolved: 2
});

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-sync-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function withSink<T>(
  fn: (sink: UsageSink, store: LocalStore) => Promise<T>,
  createMissingParents = true
): Promise<T> {
  const store = await LocalStore.open(path.join(dir, 'store.duckdb'), schema);
  const sink = createLocalSink(store, { createMissingParents });
  try {
    return await fn(sink, store);
  } finally {
    await sink.close();
  }
}

function exportFile(name: string, text: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const options = (input: string, extra: Partial<SyncOptions> = {}): SyncOptions => ({
  input,
  asOfMs: weekStartMs(W + 30),
  dryRun: false,
  maxRejectRate: policy.number('Usage_Max_Reject_Rate'),
  ...extra
});

const run = (input: string, extra: Partial<SyncOptions> = {}, p: Policy = policy, createParents = true) =>
  withSink((sink) => runUsageSync(options(input, extra), p, sink), createParents);

describe('gtm usage sync (local store)', () => {
  const plans = [
    ...[0, 1, 2, 3].map((w) => qualifying('acme', w)),
    qualifying('globex', 0),
    weak('globex', 1),
    qualifying('globex', 2),
    qualifying('globex', 3)
  ];

  it('writes snapshots and shadow triggers, and every row and snapshot is accounted for', async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    const r = await run(input, { exportDir: path.join(dir, 'out') });
    const s = r.summary;
    expect(s.rows_read).toBe(s.tickets + s.duplicates + s.rejected);
    expect(s.tickets).toBe(plans.reduce((n, p) => n + p.total, 0));
    expect(s.snapshots).toBe(8);
    expect(s.snapshot_writes).toEqual({ written: 8, unchanged: 0, failed: 0 });
    // acme fires at its third qualifying week; globex's weak week breaks its streak
    expect(r.triggers.map((x) => [x.accountKey, x.fired.isoWeek])).toEqual([
      ['acme', isoWeekLabel(W + t.consecutiveWeeks - 1)]
    ]);
    expect(r.triggers[0]?.row[TRIGGER_FIELDS.status]).toBe('Shadow');
    const out = (f: string) =>
      fs
        .readFileSync(path.join(dir, 'out', f), 'utf8')
        .trim()
        .split('\n');
    expect(out('usage_snapshots.csv')[0]).toBe(
      'account_id,iso_week,week_start,tickets_total,ai_resolved,human_resolved,unresolved,ai_resolution_share,new_in_this_run'
    );
    expect(out('usage_snapshots.csv')).toHaveLength(9);
    expect(
      out('usage_snapshots.csv')
        .slice(1)
        .every((l) => l.endsWith(',true'))
    ).toBe(true);
    expect(out('expansion_triggers.csv')[1]).toBe(
      `acme,${isoWeekLabel(W + 2)},${new Date(weekStartMs(W + 2)).toISOString().slice(0, 10)},${r.triggers[0]!.fired.share},${t.minTickets},${isoWeekLabel(W)},Shadow,true,,` // no outcome label before a backtest
    );
    expect(JSON.parse(out('summary.json').join('\n'))).toMatchObject({ rows_read: s.rows_read, written: 9, failed: 0 });
  });

  it('a re-run on unchanged input writes nothing', async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    await run(input);
    const again = await run(input);
    expect(again.summary).toMatchObject({ written: 0, failed: 0, unchanged: 8, triggers: 0 });
  });

  it("judges triggers over stored history plus the new export, and keeps a person's decision", async () => {
    await run(
      exportFile(
        'early.csv',
        ticketCsv(
          [0, 1].map((w) => qualifying('acme', w)),
          'a'
        )
      )
    );
    await withSink(async (sink) => {
      const stored = await sink.load(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [TRIGGER_FIELDS.status]);
      expect(stored.size).toBe(0);
    });
    // week 2 arrives in a later export: the streak spans both syncs
    const later = await run(exportFile('later.csv', ticketCsv([qualifying('acme', 2)], 'b')));
    expect(later.triggers.map((x) => x.fired.isoWeek)).toEqual([isoWeekLabel(W + 2)]);
    await withSink(async (_sink, store) => {
      await store.db.run(
        `UPDATE "Expansion_Trigger__c" SET "Status__c" = 'Dismissed', "Decision_Reason__c" = 'seasonal spike'`
      );
    });
    // more qualifying weeks: cooldown holds, and the dismissal is not overwritten
    const more = await run(
      exportFile(
        'more.csv',
        ticketCsv(
          [3, 4, 5].map((w) => qualifying('acme', w)),
          'c'
        )
      )
    );
    expect(more.summary.triggers).toBe(0);
    await withSink(async (sink) => {
      const stored = await sink.load(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [TRIGGER_FIELDS.status]);
      expect([...stored.values()].map((row) => row[TRIGGER_FIELDS.status])).toEqual(['Dismissed']);
    });
  });

  it('only complete weeks count (--as-of)', async () => {
    const input = exportFile('tickets.csv', ticketCsv([0, 1, 2].map((w) => qualifying('acme', w))));
    const early = await run(input, { asOfMs: weekStartMs(W + 3) - 1, dryRun: true });
    expect(early.summary.triggers).toBe(0);
    const onTime = await run(input, { asOfMs: weekStartMs(W + 3), dryRun: true });
    expect(onTime.summary.triggers).toBe(1);
  });

  it('a dry run writes nothing anywhere', async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    const r = await run(input, { dryRun: true, exportDir: path.join(dir, 'out') });
    expect(r.summary).toMatchObject({ dry_run: true, written: 0, snapshots: 8, triggers: 1 });
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    const real = await run(input);
    expect(real.summary.snapshot_writes.written).toBe(8);
  });

  // before: a dry run's changed rows were in neither "written" nor "unchanged"
  it('a dry run says how many rows a real run would write, on the SQL path and the row path', async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    const first = await run(input, { dryRun: true });
    expect(first.summary).toMatchObject({ would_write: 9, written: 0 });
    expect(first.summary.snapshot_writes).toEqual({
      written: 0,
      unchanged: 0,
      failed: 0,
      would_write: 8,
      would_fail: 0
    });
    expect(first.summary.trigger_writes).toMatchObject({ would_write: 1 });
    const real = await run(input);
    expect(real.summary).not.toHaveProperty('would_write');
    expect(real.summary.snapshot_writes).not.toHaveProperty('would_write');
    // one week changes: one snapshot would be written, seven are unchanged
    const more = exportFile(
      'more.csv',
      ticketCsv(plans.map((p, i) => (i === 0 ? { ...p, total: p.total + 1, unresolved: (p.unresolved ?? 0) + 1 } : p)))
    );
    const rowPath = (sink: UsageSink): UsageSink => ({ ...sink, upsertQuery: undefined, loadExcept: undefined });
    for (const via of [(s: UsageSink) => s, rowPath]) {
      const again = await withSink((sink) => runUsageSync(options(more, { dryRun: true }), policy, via(sink)));
      expect(again.summary.snapshot_writes).toMatchObject({ would_write: 1, unchanged: 7, written: 0 });
    }
  });

  it('an error while the store is still writing snapshots is thrown only once that write has finished', async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    // a policy whose threshold only the trigger rule reads (after the snapshot write has started) is broken
    const broken = Object.create(policy, {
      decimal: { value: (k: string) => (k === 'Expansion_Share_Threshold' ? 'forty' : policy.decimal(k)) }
    }) as Policy;
    const events: string[] = [];
    await withSink(async (sink) => {
      const slow: UsageSink = {
        ...sink,
        upsertQuery: async (...args: Parameters<NonNullable<UsageSink['upsertQuery']>>) => {
          const r = await sink.upsertQuery!(...args);
          await new Promise((resolve) => setTimeout(resolve, 300));
          events.push('snapshot write finished');
          return r;
        }
      };
      await expect(
        runUsageSync(options(input), broken, slow).catch((err: Error) => {
          events.push('sync failed');
          throw err;
        })
      ).rejects.toThrow(/not a non-negative decimal: forty/);
    });
    expect(events).toEqual(['snapshot write finished', 'sync failed']);
  });

  it('a snapshot whose account is unknown fails with the reason, and is retried next time', async () => {
    const input = exportFile('tickets.csv', ticketCsv([qualifying('nobody', 0)]));
    const r = await run(input, {}, policy, false);
    expect(r.summary.snapshot_writes).toEqual({ written: 0, unchanged: 0, failed: 1 });
    expect(r.failures[0]?.error).toMatch(/Foreign key external ID: nobody not found/);
    const again = await run(input, {}, policy, false);
    expect(again.summary.snapshot_writes.failed).toBe(1);
  });

  // before: "Expansion_Trigger__c: 1 row upserted" above a summary of one failed trigger
  it('the progress lines count failed triggers and snapshots as the summary does', async () => {
    const input = exportFile('tickets.csv', ticketCsv([0, 1, 2, 3].map((w) => qualifying('nobody', w))));
    const lines: string[] = [];
    const r = await withSink((sink) => runUsageSync(options(input), policy, sink, (m) => lines.push(m)), false);
    expect(r.summary.trigger_writes).toEqual({ written: 0, unchanged: 0, failed: 1 });
    expect(lines).toContain('Expansion_Trigger__c: 0 rows upserted into the local store, 1 row failed');
    expect(lines).toContain('Usage_Snapshot__c: 0 rows upserted into the local store, 4 rows failed');
  });

  // before: a partial export (incremental, one channel) shrank stored weeks without a word
  it('says which stored weeks an export lowers, on the SQL path and the row path', async () => {
    const full = exportFile('full.csv', ticketCsv([0, 1].map((w) => qualifying('acme', w))));
    const half = exportFile(
      'half.csv',
      ticketCsv([{ ...qualifying('acme', 0), total: t.minTickets / 2, ai: 1 }, qualifying('acme', 1)])
    );
    const rowPath = (sink: UsageSink): UsageSink => ({ ...sink, upsertQuery: undefined, loadExcept: undefined });
    for (const via of [(x: UsageSink) => x, rowPath]) {
      await withSink((sink) => runUsageSync(options(full), policy, via(sink)));
      const r = await withSink((sink) => runUsageSync(options(half), policy, via(sink)));
      expect(r.summary.lowered_weeks).toBe(1);
      expect(r.lowered).toEqual([{ key: `acme|${isoWeekLabel(W)}`, stored: t.minTickets, incoming: t.minTickets / 2 }]);
      // the same export again lowers nothing more
      const again = await withSink((sink) => runUsageSync(options(half), policy, via(sink)));
      expect(again.summary.lowered_weeks).toBe(0);
    }
  });

  it('--create-accounts does not create an account key the org could not hold', async () => {
    const long = 'x'.repeat(schema.field('Account', 'Usage_Account_Key__c').length! + 1);
    const r = await run(exportFile('tickets.csv', ticketCsv([qualifying(long, 0), qualifying('acme', 0)])));
    expect(r.summary.snapshot_writes).toEqual({ written: 1, unchanged: 0, failed: 1 });
    expect(r.failures[0]?.error).toMatch(/Foreign key external ID: x+ not found/);
  });

  it('stops before any write when too many rows are rejected', async () => {
    const good = ticketCsv([qualifying('acme', 0)])
      .trim()
      .split('\n');
    const input = exportFile(
      'tickets.csv',
      [...good, 'x1,acme,not a date,,ai,email', 'x2,acme,2026-03-02T10:00:00Z,,maybe,email', ''].join('\n')
    );
    await expect(run(input)).rejects.toThrow(
      /2 of 52 rows \(3.85%\) were rejected, above --max-reject-rate 1%; nothing was written/
    );
    await withSink(async (sink) => expect((await sink.load('Usage_Snapshot__c', 'Snapshot_Key__c', [])).size).toBe(0));
    const tolerant = await run(input, { maxRejectRate: 0.05 });
    expect(tolerant.summary).toMatchObject({ rejected: 2, rows_read: 52 });
    expect(tolerant.rejects.map((x) => x.line)).toEqual([52, 53]);
  });

  it('reads gzipped CSV the same as plain CSV', async () => {
    const text = ticketCsv(plans);
    const plain = await run(exportFile('a.csv', text), { dryRun: true });
    const gz = await run(exportFile('a.csv.gz', gzipSync(text)), { dryRun: true });
    expect(gz.summary.format).toBe('csv.gz');
    expect(gz.snapshots).toEqual(plain.snapshots);
  });

  it.each([
    ['an empty file', '', /is empty/],
    [
      'a header without rows',
      'ticket_id,account_id,created_at,resolved_at,resolution\n',
      /has a header but no ticket rows/
    ],
    [
      'a missing column',
      'ticket_id,account_id,created_at,resolution\nt1,a,2026-03-02T10:00:00Z,ai\n',
      /missing column resolved_at/
    ],
    ['binary data', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x01]), /not a CSV file/],
    ['broken gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]), /not valid gzip data/]
  ])('stops with one clear message on %s, writing nothing', async (_name, content, message) => {
    const input = exportFile('bad.csv', content);
    const err = await run(input).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(message);
    await withSink(async (sink) => expect((await sink.load('Usage_Snapshot__c', 'Snapshot_Key__c', [])).size).toBe(0));
  });

  it('an unreadable path is one clear message', async () => {
    await expect(run(path.join(dir, 'missing.csv'))).rejects.toThrow(/cannot read .*missing.csv: no such file/);
    await expect(run(dir)).rejects.toThrow(/is a directory/);
  });

  it('an interrupted run, re-run, converges to the same store as an uninterrupted one', async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    // first run dies after writing snapshots, before triggers
    await withSink(async (sink) => {
      const dying: UsageSink = {
        ...sink,
        label: sink.label,
        load: sink.load.bind(sink),
        upsert: async (object, key, rows, p) => {
          if (object === TRIGGER_OBJECT) throw new Error('connection lost');
          return sink.upsert(object, key, rows, p);
        },
        close: async () => {}
      };
      await expect(runUsageSync(options(input), policy, dying)).rejects.toThrow('connection lost');
    });
    const resumed = await run(input);
    expect(resumed.summary).toMatchObject({ failed: 0, triggers: 1 });
    expect(resumed.summary.snapshot_writes).toEqual({ written: 0, unchanged: 8, failed: 0 });
    const dump = () =>
      withSink(async (_s, store) =>
        (
          await store.db.runAndReadAll(
            `SELECT "Snapshot_Key__c", "Tickets_Total__c" FROM "Usage_Snapshot__c" ORDER BY 1`
          )
        )
          .getRows()
          .concat(
            (
              await store.db.runAndReadAll(
                `SELECT "Trigger_Key__c", "Status__c" FROM "Expansion_Trigger__c" ORDER BY 1`
              )
            ).getRows()
          )
      );
    const resumedState = await dump();
    fs.rmSync(path.join(dir, 'store.duckdb'));
    await run(input);
    expect(await dump()).toEqual(resumedState);
  });
});

describe('Parquet input', () => {
  it('reads typed timestamps and gives the same snapshots as the CSV', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const csv = exportFile('p.csv', ticketCsv([0, 1, 2].map((w) => qualifying('acme', w))));
    const parquet = path.join(dir, 'p.parquet');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(
      `COPY (SELECT ticket_id, account_id, CAST(created_at AS TIMESTAMPTZ) AS created_at, CAST(resolved_at AS TIMESTAMPTZ) AS resolved_at, resolution
             FROM read_csv('${csv}', header=true, all_varchar=true)) TO '${parquet}' (FORMAT parquet)`
    );
    db.closeSync();
    const fromCsv = await run(csv, { dryRun: true });
    const fromParquet = await run(parquet, { dryRun: true });
    expect(fromParquet.summary).toMatchObject({ format: 'parquet', rows_read: fromCsv.summary.rows_read, rejected: 0 });
    expect(fromParquet.snapshots).toEqual(fromCsv.snapshots);
    expect(fromParquet.triggers.map((x) => x.fired.isoWeek)).toEqual(fromCsv.triggers.map((x) => x.fired.isoWeek));
  });

  it('keeps the nanoseconds of TIMESTAMP_NS columns, so the latest resolved_at wins', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const parquet = path.join(dir, 'ns.parquet');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(
      `COPY (SELECT * FROM (VALUES
         ('t1', 'acme', TIMESTAMP_NS '2026-03-02 10:00:00', TIMESTAMP_NS '2026-03-02 11:00:00.000000001', 'ai'),
         ('t1', 'acme', TIMESTAMP_NS '2026-03-02 10:00:00', TIMESTAMP_NS '2026-03-02 11:00:00.000000002', 'human'))
         AS t(ticket_id, account_id, created_at, resolved_at, resolution)) TO '${parquet}' (FORMAT parquet)`
    );
    db.closeSync();
    const r = await run(parquet, { dryRun: true, maxRejectRate: 1 });
    expect(r.summary).toMatchObject({ tickets: 1, duplicates: 1, rejected: 0 });
    expect(r.snapshots[0]).toMatchObject({ Human_Resolved__c: 1, AI_Resolved__c: 0 });
  });
});

describe('re-reading an unchanged export', () => {
  it('uses the cached aggregate for the same file, and reads again once the file changes', async () => {
    const cacheDir = path.join(dir, 'cache');
    const input = exportFile('tickets.csv', ticketCsv([0, 1, 2].map((w) => qualifying('acme', w))));
    const first = await run(input, { cacheDir });
    expect(fs.readdirSync(cacheDir)).toHaveLength(1);
    const messages: string[] = [];
    const again = await withSink((sink) =>
      runUsageSync(options(input, { cacheDir }), policy, sink, (m) => messages.push(m))
    );
    expect(messages.some((m) => m.includes('was read before'))).toBe(true);
    expect(again.summary).toMatchObject({
      rows_read: first.summary.rows_read,
      written: 0,
      unchanged: first.summary.snapshots
    });
    // a changed file (new content, new time) is read again
    fs.writeFileSync(input, ticketCsv([0, 1, 2, 3].map((w) => qualifying('acme', w))));
    fs.utimesSync(input, new Date(), new Date(Date.now() + 5_000));
    const changed = await run(input, { cacheDir });
    expect(changed.summary.snapshots).toBe(4);
    expect(fs.readdirSync(cacheDir)).toHaveLength(2);
  });
});
