/**
 * One timed step of the usage benchmark, in its own process so its peak RSS is its own:
 *   floor <file>                 bare DuckDB GROUP BY over the export
 *   sync <file> <store> <asOf>   the full gtm usage sync to the local store
 *   api <file> <asOf>            the same full sync to an org: the Bulk API 2.0 test double (a local HTTP server
 *                                speaking the real endpoints) through jsforce; reports the API requests sent
 *   check <file>                 the aggregate of the fast path and of the exact engine: whether they are equal
 * Prints one JSON line: { ms, maxRssMb, ... }.
 */
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadSchema } from '../metadata/schema';
import { loadPolicyFile } from '../policy/policy';
import { createLocalSink } from '../store/localSink';
import { LocalStore } from '../store/localStore';
import { aggregateExport } from '../usage/aggregate';
import { runUsageSync } from '../usage/sync';

/** above the 1% of rejected rows the rejects shape has: its sync runs to the end like the others */
const MAX_REJECT_RATE = 0.02;

/** the columns' types given, not sniffed: the same query reads every shape (offsets, quotes, bad rows skipped) */
const FLOOR_COLUMNS = `{'ticket_id': 'VARCHAR', 'account_id': 'VARCHAR', 'created_at': 'TIMESTAMPTZ',
  'resolved_at': 'TIMESTAMPTZ', 'resolution': 'VARCHAR', 'channel': 'VARCHAR'}`;

async function floor(file: string) {
  const db = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  await db.run(`SET TimeZone = 'UTC'`);
  const r = await db.runAndReadAll(
    `SELECT count(*) AS groups FROM (SELECT account_id, date_trunc('week', created_at) AS week, count(*) AS n,
       count(*) FILTER (WHERE resolution = 'ai') AS ai
     FROM read_csv('${file}', header = true, ignore_errors = true, columns = ${FLOOR_COLUMNS}) GROUP BY ALL)`
  );
  return { groups: Number(r.getRowObjects()[0]!.groups) };
}

/** Whether the fast path's aggregate is the exact engine's, in every field (rejects and their reasons too). */
async function check(file: string) {
  const fast = await aggregateExport(file);
  const exact = await aggregateExport(file, () => {}, { engine: 'exact' });
  const same = JSON.stringify({ ...fast, engine: '' }) === JSON.stringify({ ...exact, engine: '' });
  return { engines: `${fast.engine}/${exact.engine}`, same, rows: fast.rowsRead, rejected: fast.rejects.length };
}

async function sync(file: string, storeFile: string, asOf: string) {
  const store = await LocalStore.open(path.resolve(storeFile), loadSchema());
  const sink = createLocalSink(store, { createMissingParents: true });
  try {
    // the cache sits beside the bench store, so the benchmark controls it (the first run starts without one)
    const cacheDir = path.join(path.dirname(path.resolve(storeFile)), 'cache');
    const r = await runUsageSync(
      { input: file, asOfMs: Date.parse(asOf), dryRun: false, maxRejectRate: MAX_REJECT_RATE, cacheDir },
      loadPolicyFile(),
      sink
    );
    return r.summary;
  } finally {
    await sink.close();
  }
}

async function apiCalls(file: string, asOf: string, cacheDir: string) {
  // the double and its seeding are test support: the accounts of the export exist in the "org"
  const { startOrg, sinkFor } = await import('../usage/salesforce/__tests__/helpers');
  const db = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  const accounts = (
    await db.runAndReadAll(`SELECT DISTINCT account_id FROM read_csv('${file}', header = true, all_varchar = true)`)
  )
    .getRowObjects()
    .map((r) => String(r.account_id));
  const org = await startOrg({}, accounts);
  try {
    const sink = sinkFor(org.connection);
    const r = await runUsageSync(
      { input: file, asOfMs: Date.parse(asOf), dryRun: false, maxRejectRate: 0.01, cacheDir },
      loadPolicyFile(),
      sink
    );
    return {
      snapshots: r.summary.snapshots,
      written: r.summary.written,
      failed: r.summary.failed,
      apiRequestsSent: sink.apiRequests,
      apiCallsAnswered: org.double.callCount()
    };
  } finally {
    await org.double.close();
  }
}

(async () => {
  const [step, file, store, asOf] = process.argv.slice(2);
  const t0 = performance.now();
  const result =
    step === 'floor'
      ? await floor(file!)
      : step === 'check'
        ? await check(file!)
        : step === 'api'
          ? await apiCalls(file!, store!, path.join(path.dirname(path.resolve(file!)), 'cache'))
          : await sync(file!, store!, asOf!);
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(
    `${JSON.stringify({ step, ms, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), result })}\n`
  );
})().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
