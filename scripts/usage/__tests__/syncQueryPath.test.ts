/**
 * The local sink compares and writes snapshots in SQL (loadExcept/upsertQuery over the weeks file); a sink
 * without those capabilities gets the rows from JavaScript. Both paths must give the same result and the same
 * store, row for row: rounding ties of the share, names cut at 80 characters, failures, stored weeks this
 * input does not replace, changed weeks, a dry run and an unchanged re-run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import { LocalStore } from '../../store/localStore';
import { ticketCsv, WeekPlan } from '../../test-support/ticketExport';
import { aggregateExport } from '../aggregate';
import { fingerprint, KEEP_ENTRIES, readCached, stagingWeeksFile, writeCached } from '../aggregateCache';
import { weekIndexOfLabel, weekStartMs } from '../isoWeek';
import { snapshotRow } from '../records';
import type { UsageSink } from '../sink';
import { runUsageSync, SyncResult } from '../sync';
import { thresholdsFromPolicy } from '../triggerRules';

jest.setTimeout(60_000);

const policy = loadPolicyFile();
const schema = loadSchema();
const t = thresholdsFromPolicy(policy);
const W = weekIndexOfLabel('2026-W10')!;

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-sync-sql-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const longKey = `acct-${'k'.repeat(70)}`;
const first: WeekPlan[] = [
  ...[0, 1, 2, 3].map((w) => ({ account: 'acme', weekIndex: W + w, total: t.minTickets, ai: t.minTickets - 1 })),
  // ties of the share at six decimals: 1/128 is exact in binary, 1/3200 and 3/6400 are not
  { account: 'tie', weekIndex: W, total: 128, ai: 1 },
  { account: 'tie', weekIndex: W + 1, total: 3200, ai: 1 },
  { account: 'tie', weekIndex: W + 2, total: 6400, ai: 3 },
  { account: 'tie', weekIndex: W + 3, total: 7, ai: 2, unresolved: 1 },
  { account: longKey, weekIndex: W, total: 3, ai: 1 },
  { account: "o'brien", weekIndex: W + 1, total: 2, ai: 2 }
];
const second: WeekPlan[] = [
  // acme's week 0 and 1 are not in this export (kept from the store), week 2 changes, week 3 is the same
  { account: 'acme', weekIndex: W + 2, total: t.minTickets, ai: 1 },
  { account: 'acme', weekIndex: W + 3, total: t.minTickets, ai: t.minTickets - 1 },
  { account: 'acme', weekIndex: W + 4, total: t.minTickets, ai: t.minTickets - 1 },
  { account: 'nobody', weekIndex: W + 4, total: 2, ai: 1 },
  { account: 'tie', weekIndex: W, total: 128, ai: 1 }
];

/** the sink as a sink that cannot run SQL where it stores rows (the row path) */
const rowsOnly = (sink: UsageSink): UsageSink => ({ ...sink, loadExcept: undefined, upsertQuery: undefined });

async function scenario(name: string, wrap: (s: UsageSink) => UsageSink) {
  const file = path.join(dir, `${name}.duckdb`);
  const results: Omit<SyncResult, 'summary'>[] = [];
  const summaries: unknown[] = [];
  const sync = async (plans: WeekPlan[], prefix: string, extra: { dryRun?: boolean; parents?: boolean } = {}) => {
    const input = path.join(dir, `${name}-${prefix}.csv`);
    fs.writeFileSync(input, ticketCsv(plans, prefix));
    const store = await LocalStore.open(file, schema);
    const sink = wrap(createLocalSink(store, { createMissingParents: extra.parents ?? true }));
    try {
      const r = await runUsageSync(
        { input, asOfMs: weekStartMs(W + 30), dryRun: extra.dryRun ?? false, maxRejectRate: 0.5 },
        policy,
        sink
      );
      const { summary, ...rest } = r;
      summaries.push({ ...summary, input: undefined, sink: undefined });
      results.push(rest);
    } finally {
      await sink.close();
    }
  };
  await sync(first, 'a', { dryRun: true });
  await sync(first, 'a');
  await sync(first, 'a');
  await sync(second, 'b', { parents: false, dryRun: true });
  await sync(second, 'b', { parents: false });
  const store = await LocalStore.open(file, schema);
  try {
    const rows = (
      await store.db.runAndReadAll(
        `SELECT * EXCLUDE ("Id", "Account__c"), (SELECT "Usage_Account_Key__c" FROM "Account" a WHERE a."Id" = s."Account__c") AS account
         FROM "Usage_Snapshot__c" s ORDER BY "Snapshot_Key__c"`
      )
    ).getRowObjectsJson();
    const triggers = (
      await store.db.runAndReadAll(`SELECT * EXCLUDE ("Id", "Account__c") FROM "Expansion_Trigger__c" ORDER BY 1`)
    ).getRowObjectsJson();
    // the bulk tables have no unique index: every Id and key must still be stored once
    expect(await store.duplicateKeys()).toEqual([]);
    return { results, summaries, rows, triggers };
  } finally {
    await store.close();
  }
}

it('writes the same snapshots through SQL as through rows, and reports the same', async () => {
  const sql = await scenario('sql', (s) => s);
  const rows = await scenario('rows', rowsOnly);
  expect(sql.summaries).toEqual(rows.summaries);
  expect(sql.results).toEqual(rows.results);
  expect(sql.rows).toEqual(rows.rows);
  expect(sql.triggers).toEqual(rows.triggers);
  // the cases this is about did happen
  // the long key is longer than the org's key field: its snapshot fails, and nobody's has no account
  expect(sql.rows.length).toBe(first.length);
  const shares = Object.fromEntries(sql.rows.map((r) => [r.Snapshot_Key__c, r.AI_Resolution_Share__c]));
  for (const p of first) {
    const expected = snapshotRow({
      accountKey: p.account,
      weekIndex: p.weekIndex,
      ticketsTotal: p.total,
      aiResolved: p.ai,
      humanResolved: p.total - p.ai - (p.unresolved ?? 0),
      unresolved: p.unresolved ?? 0
    });
    if (p.account === 'acme' || p.account === longKey) continue;
    expect(shares[String(expected.Snapshot_Key__c)]).toBe(expected.AI_Resolution_Share__c);
  }
  expect(sql.results[1]!.snapshots.some((r) => String(r.Name).length === 80)).toBe(true);
  expect(sql.results[1]!.failures.map((f) => f.key)).toEqual([expect.stringMatching(/^acct-k+\|/)]);
  expect(sql.summaries[2]).toMatchObject({ written: 0 });
  expect(sql.results[4]!.failures.map((f) => f.key)).toEqual([expect.stringMatching(/^nobody\|/)]);
});

it('a damaged cache entry is read again and replaced; the weeks file is read from the cache on a re-run', async () => {
  const cacheDir = path.join(dir, 'cache');
  const input = path.join(dir, 'tickets.csv');
  fs.writeFileSync(input, ticketCsv(first));
  const sync = async () => {
    const store = await LocalStore.open(path.join(dir, 'store.duckdb'), schema);
    const sink = createLocalSink(store, { createMissingParents: true });
    const messages: string[] = [];
    try {
      const r = await runUsageSync(
        { input, asOfMs: weekStartMs(W + 30), dryRun: false, maxRejectRate: 0.5, cacheDir },
        policy,
        sink,
        (m) => messages.push(m)
      );
      return { summary: r.summary, cached: messages.some((m) => m.includes('was read before')) };
    } finally {
      await sink.close();
    }
  };
  const a = await sync();
  expect(a.cached).toBe(false);
  const [entry] = fs.readdirSync(cacheDir);
  expect(fs.readdirSync(path.join(cacheDir, entry!)).sort()).toEqual(['result.json', 'weeks.bin', 'weeks.parquet']);
  // the weeks read back from the cache are the very weeks of the export
  const fresh = await aggregateExport(input);
  expect((await readCached(cacheDir, entry!))?.result).toEqual({ ...fresh, engine: fresh.engine });
  const b = await sync();
  expect(b).toMatchObject({ cached: true, summary: { written: 0, unchanged: a.summary.snapshot_writes.written } });
  // one byte of the last week's counts changed: same length, so only the checksum tells
  const flipped = (bin: Buffer) => Buffer.concat([bin.subarray(0, -1), Buffer.from([bin[bin.length - 1]! ^ 1])]);
  for (const [file, damage] of [
    ['result.json', '{ damaged'],
    ['weeks.bin', 'GTMW\u0000\u0000\u0000\u0000\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u0000["acme"]'],
    ['weeks.bin', 'GTMW\u0002\u0000\u0000\u0000\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u0000["acme"]'],
    ['weeks.bin', ''],
    ['weeks.bin', 'flip']
  ] as const) {
    const at = path.join(cacheDir, entry!, file);
    fs.writeFileSync(at, damage === 'flip' ? flipped(fs.readFileSync(at)) : damage);
    const c = await sync();
    expect([file, damage, c]).toMatchObject([
      file,
      damage,
      { cached: false, summary: { written: 0, snapshots: a.summary.snapshots } }
    ]);
    expect(fs.readdirSync(cacheDir)).toEqual([entry]);
    expect((await sync()).cached).toBe(true);
  }
});

it(`keeps the ${KEEP_ENTRIES} most recently made or used cache entries and removes what a stopped run left`, () => {
  const cacheDir = path.join(dir, 'cache');
  fs.mkdirSync(cacheDir);
  const aged = (name: string, ageMs: number) => {
    const full = path.join(cacheDir, name);
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'result.json'), '{}');
    const t = new Date(Date.now() - ageMs);
    fs.utimesSync(full, t, t);
  };
  // entries used within the hour are kept whatever the count (another sync may be reading one)
  aged('recent', 60_000);
  for (let i = 0; i < KEEP_ENTRIES + 3; i++) aged(`old${i}`, (i + 2) * 3_600_000);
  aged('.stale.abc', 2 * 24 * 3_600_000);
  aged('.fresh.abc', 1_000);
  const input = path.join(dir, 'tickets.csv');
  fs.writeFileSync(input, ticketCsv(first));
  const key = fingerprint(input);
  const weeksFile = stagingWeeksFile(cacheDir, key)!;
  fs.writeFileSync(weeksFile, '');
  writeCached(
    cacheDir,
    key,
    { format: 'csv', engine: 'exact', rowsRead: 0, tickets: 0, duplicates: 0, rejects: [], weeks: [] },
    weeksFile
  );
  const left = fs.readdirSync(cacheDir).sort();
  expect(left).toEqual(
    [key, '.fresh.abc', 'recent', ...Array.from({ length: KEEP_ENTRIES - 2 }, (_, i) => `old${i}`)].sort()
  );
});
