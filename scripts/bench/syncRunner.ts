/**
 * One timed step of the usage benchmark, in its own process so its peak RSS is its own:
 *   floor <file>                 bare DuckDB GROUP BY over the export
 *   sync <file> <store> <asOf>   the full gtm usage sync to the local store
 * Prints one JSON line: { ms, maxRssMb, ... }.
 */
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadSchema } from '../metadata/schema';
import { loadPolicyFile } from '../policy/policy';
import { createLocalSink } from '../store/localSink';
import { LocalStore } from '../store/localStore';
import { runUsageSync } from '../usage/sync';

async function floor(file: string) {
  const db = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  await db.run(`SET TimeZone = 'UTC'`);
  const r = await db.runAndReadAll(
    `SELECT count(*) AS groups FROM (SELECT account_id, date_trunc('week', created_at) AS week, count(*) AS n,
       count(*) FILTER (WHERE resolution = 'ai') AS ai FROM read_csv('${file}', header = true) GROUP BY ALL)`
  );
  return { groups: Number(r.getRowObjects()[0]!.groups) };
}

async function sync(file: string, storeFile: string, asOf: string) {
  const store = await LocalStore.open(path.resolve(storeFile), loadSchema());
  const sink = createLocalSink(store, { createMissingParents: true });
  try {
    // the cache sits beside the bench store, so the benchmark controls it (the first run starts without one)
    const cacheDir = path.join(path.dirname(path.resolve(storeFile)), 'cache');
    const r = await runUsageSync(
      { input: file, asOfMs: Date.parse(asOf), dryRun: false, maxRejectRate: 0.01, cacheDir },
      loadPolicyFile(),
      sink
    );
    return r.summary;
  } finally {
    await sink.close();
  }
}

(async () => {
  const [step, file, store, asOf] = process.argv.slice(2);
  const t0 = performance.now();
  const result = step === 'floor' ? await floor(file!) : await sync(file!, store!, asOf!);
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(
    `${JSON.stringify({ step, ms, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), result })}\n`
  );
})().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
