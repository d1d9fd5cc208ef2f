/**
 * `npm run bench:usage`: the usage sync against its floor, measured in one run on this machine.
 * Generates the synthetic export once (10M events, 20,000 accounts, 26 weeks by default), then times, each in
 * its own process: a bare DuckDB GROUP BY over the file (the floor), the full sync to a fresh local store, and
 * the same sync again (unchanged input). These three run in rounds (--rounds, default 3), side by side, and
 * the medians are compared: on a shared 2-core machine one run of either varies by 10% or more. Reports ratios
 * against the floor, peak RSS, and the API calls of a full sync against the Bulk API 2.0 test double. A
 * benchmark, not a test: it asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../lib/paths';
import { weekIndexOfLabel, weekStartMs } from '../usage/isoWeek';
import { generateEvents } from './generateEvents';

const OPTIONS = ['events', 'accounts', 'weeks', 'rounds'];
const USAGE = [
  'usage: npm run bench:usage -- [--events N] [--accounts N] [--weeks N] [--rounds N]',
  '  --events    ticket events to generate (default 10000000)',
  '  --accounts  accounts (default 20000)',
  '  --weeks     weeks of history (default 26)',
  '  --rounds    rounds of floor / full sync / re-run, medians compared (default 3)'
].join('\n');

/** Usage errors before the long run starts: an unknown flag, or a value that is not a positive integer. */
function parseArgs(argv: string[]): Map<string, number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    process.exit(0);
  }
  const out = new Map<string, number>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!.replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!argv[i]!.startsWith('--') || !OPTIONS.includes(name)) {
      console.error(`error: unknown option ${argv[i]}\n${USAGE}`);
      process.exit(2);
    }
    if (!Number.isSafeInteger(value) || value < 1) {
      console.error(`error: --${name} needs a positive whole number, got ${argv[i + 1] ?? 'nothing'}`);
      process.exit(2);
    }
    out.set(name, value);
  }
  return out;
}
const given = parseArgs(process.argv.slice(2));
const arg = (name: string, fallback: number) => given.get(name) ?? fallback;

const events = arg('events', 10_000_000);
const accounts = arg('accounts', 20_000);
const weeks = arg('weeks', 26);
const rounds = Math.max(1, arg('rounds', 3));
const dir = path.join(REPO_ROOT, '.gtm', 'bench');
const firstWeek = weekIndexOfLabel('2026-W10')!;
const asOf = new Date(weekStartMs(firstWeek + weeks)).toISOString();

function step(...args: string[]): { ms: number; maxRssMb: number; result: Record<string, unknown> } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'syncRunner.ts'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

type Step = ReturnType<typeof step>;
const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
};

async function main() {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `events-${events}-${accounts}-${weeks}.csv`);
  if (!fs.existsSync(file)) {
    const t0 = performance.now();
    process.stderr.write(
      `generating ${events.toLocaleString('en-US')} events over ${accounts} accounts and ${weeks} weeks ...\n`
    );
    await generateEvents({ file: `${file}.tmp`, events, accounts, weeks, firstWeekIndex: firstWeek });
    fs.renameSync(`${file}.tmp`, file);
    process.stderr.write(
      `generated ${(fs.statSync(file).size / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`
    );
  }
  const store = path.join(dir, 'bench-store.duckdb');
  const fresh = () => {
    fs.rmSync(store, { force: true });
    fs.rmSync(`${store}.wal`, { force: true });
    fs.rmSync(path.join(dir, 'cache'), { recursive: true, force: true });
  };

  process.stderr.write('warming the page cache ...\n');
  step('floor', file);
  const floors: Step[] = [];
  const firsts: Step[] = [];
  const reruns: Step[] = [];
  for (let r = 1; r <= rounds; r++) {
    fresh();
    process.stderr.write(
      `round ${r} of ${rounds}: floor (bare DuckDB GROUP BY), full sync to a fresh local store, the same sync again ...\n`
    );
    floors.push(step('floor', file));
    firsts.push(step('sync', file, store, asOf));
    reruns.push(step('sync', file, store, asOf));
  }
  // every round must have come to the same result
  const results = new Set(firsts.map((f) => JSON.stringify({ ...f.result, input: undefined, sink: undefined })));
  if (results.size !== 1) throw new Error(`the rounds' syncs disagree: ${[...results].join(' | ')}`);
  const floor = { ms: median(floors.map((f) => f.ms)) };
  const first = {
    ...firsts[0]!,
    ms: median(firsts.map((f) => f.ms)),
    maxRssMb: Math.max(...firsts.map((f) => f.maxRssMb))
  };
  const rerun = {
    ...reruns[0]!,
    ms: median(reruns.map((f) => f.ms)),
    maxRssMb: Math.max(...reruns.map((f) => f.maxRssMb))
  };
  process.stderr.write('the same export to an org: the Bulk API 2.0 test double ...\n');
  const api = step('api', file, asOf);

  const report = {
    machine: { cores: os.cpus().length, node: process.version },
    input: { file: path.relative(REPO_ROOT, file), bytes: fs.statSync(file).size, events, accounts, weeks },
    rounds: floors.map((f, i) => ({
      floorMs: f.ms,
      syncMs: firsts[i]!.ms,
      rerunMs: reruns[i]!.ms,
      syncToFloor: +(firsts[i]!.ms / f.ms).toFixed(2)
    })),
    floorMs: floor.ms,
    firstSync: { ms: first.ms, maxRssMb: first.maxRssMb, summary: first.result },
    unchangedRerun: { ms: rerun.ms, maxRssMb: rerun.maxRssMb, written: rerun.result.written },
    orgSync: { ms: api.ms, ...api.result },
    ratios: {
      syncToFloor: +(first.ms / floor.ms).toFixed(2),
      rerunToFirst: +(rerun.ms / first.ms).toFixed(2)
    },
    targets: { syncToFloor: 1.5, maxRssMb: 1024, rerunToFirst: 0.3, apiCallsFor500kSnapshots: 25 }
  };
  fs.writeFileSync(path.join(dir, 'usage-bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  const s = first.result as Record<string, number>;
  const rows: [string, string, string][] = [
    ['floor (DuckDB GROUP BY)', `${(floor.ms / 1000).toFixed(2)} s`, `median of ${rounds}`],
    [
      'full sync, local store',
      `${(first.ms / 1000).toFixed(2)} s`,
      `ratio ${report.ratios.syncToFloor} (target <= 1.5); by round ${report.rounds.map((r) => r.syncToFloor).join(', ')}`
    ],
    ['peak RSS of the sync', `${first.maxRssMb} MB`, 'target <= 1024 MB'],
    [
      'unchanged re-run',
      `${(rerun.ms / 1000).toFixed(2)} s`,
      `${report.ratios.rerunToFirst}x the first (target <= 0.3); wrote ${rerun.result.written}`
    ],
    [
      'full sync to the Bulk API double',
      `${api.result.apiRequestsSent} API calls`,
      `for ${api.result.snapshots} snapshots, ${api.result.failed} failed (target <= 25 for 500k)`
    ],
    ['rows / tickets / dup / rejected', `${s.rows_read} / ${s.tickets} / ${s.duplicates} / ${s.rejected}`, ''],
    ['snapshots / triggers', `${s.snapshots} / ${s.triggers}`, '']
  ];
  for (const [a, b, c] of rows) process.stdout.write(`${a.padEnd(32)} ${b.padStart(34)}  ${c}\n`);
  process.stdout.write(`\nreport: ${path.relative(REPO_ROOT, path.join(dir, 'usage-bench.json'))}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
