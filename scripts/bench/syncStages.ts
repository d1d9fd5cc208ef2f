/**
 * Where the time of one usage sync goes: runs it like syncRunner.ts does and prints each progress message with
 * the seconds since the process started, for finding the next thing to make faster (not part of
 * `npm run bench:usage`).
 *   node --import tsx scripts/bench/syncStages.ts <export.csv> <store.duckdb> <as-of>
 * The aggregate cache sits beside the store (delete it to time a first run). Finer stages come from trace()
 * (scripts/lib/trace.ts), on here, in seconds since the process started.
 */
import * as path from 'node:path';
import { loadSchema } from '../metadata/schema';
import { loadPolicyFile } from '../policy/policy';
import { createLocalSink } from '../store/localSink';
import { LocalStore } from '../store/localStore';
import { runUsageSync } from '../usage/sync';

(async () => {
  process.env.GTM_TRACE = '1';
  const [file, storeFile, asOf] = process.argv.slice(2);
  const lap = (m: string) => process.stderr.write(`${(performance.now() / 1000).toFixed(2)} ${m}\n`);
  const store = await LocalStore.open(path.resolve(storeFile!), loadSchema());
  const sink = createLocalSink(store, { createMissingParents: true });
  lap('store open');
  try {
    const cacheDir = path.join(path.dirname(path.resolve(storeFile!)), 'cache');
    const r = await runUsageSync(
      { input: file!, asOfMs: Date.parse(asOf!), dryRun: false, maxRejectRate: 0.01, cacheDir },
      loadPolicyFile(),
      sink,
      lap
    );
    lap(`done: ${r.summary.written} written, ${r.summary.unchanged} unchanged`);
  } finally {
    lap('closing the store');
    await sink.close();
  }
  lap('store closed');
})().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
