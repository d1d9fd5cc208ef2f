/**
 * `npm run bench:events`: the tracking-plan validation of `gtm events validate` / `sync` against its floor, in one
 * run on this machine, for each shape senders use (eventShapes.ts: JSON Lines with Z, offset or fractional
 * instants, quoted CSV, gzip). Generates each event file once (5M events by default, 20,000 accounts, 1% of them
 * violating; under the system's temporary folder), reads it with the events reader (readEventRows: decoding, CSV,
 * gzip, JSON.parse; common to both, timed apart) in batches, and times over the same parsed rows, in alternating
 * order and the fastest of --repeat passes each, by the process's CPU time (the wall clock printed too): the floor
 * (ajv's compiled validators alone: the envelope's and the event version's) and the full verdict (createJudge: the
 * same validators, its fast path leaving the instants' maxLength to the instant reader, plus typed violations with
 * paths, did-you-mean, the usage sync's instant rules, Future-Timestamp and Unknown-Account). Prints both times, the ratio (target <= 1.5x) and the peak RSS (target < 1 GB). --check
 * also runs the slow path (instant.ts) and counts rows whose verdicts differ. A benchmark, not a test: it asserts
 * nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readEventRows } from '../events/input';
import { createJudge } from '../events/judge';
import { compilePlan, loadPlan, type CompiledPlan } from '../events/plan';
import { benchAccountKey, EVENT_SHAPES, type EventShape, shapeExtension, writeEventShape } from './eventShapes';

/** V8's collector, with --expose-gc */
const gc = (globalThis as { gc?: () => void }).gc;

const USAGE = [
  'usage: npm run bench:events -- [--events N] [--accounts N] [--batch N] [--repeat N] [--shapes a,b] [--check] [--dir D]',
  '  --events    events to generate and validate per shape (default 5000000)',
  '  --accounts  accounts (default 20000)',
  '  --batch     rows parsed and timed together (default 100000)',
  '  --repeat    passes over each batch, the fastest counted, for the floor and the validation alike (default 3)',
  `  --shapes    which shapes, comma-separated (default all: ${Object.keys(EVENT_SHAPES).join(', ')})`,
  '  --check     also judge every row on the slow path (instant.ts) and count rows whose verdicts differ',
  `  --dir       where the event files go (default ${path.join(os.tmpdir(), 'gtm-bench')})`
].join('\n');

interface EventsBenchArgs {
  events: number;
  accounts: number;
  batch: number;
  repeat: number;
  shapes: EventShape[];
  check: boolean;
  dir: string;
}

function usageError(message: string): never {
  console.error(`error: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): EventsBenchArgs {
  const out: EventsBenchArgs = {
    events: 5_000_000,
    accounts: 20_000,
    batch: 100_000,
    repeat: 3,
    shapes: Object.keys(EVENT_SHAPES) as EventShape[],
    check: false,
    dir: path.join(os.tmpdir(), 'gtm-bench')
  };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.replace(/^--/, '');
    if (name === 'help' || name === 'h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (name === 'check') {
      out.check = true;
      continue;
    }
    const text = argv[++i];
    if (text === undefined) usageError(`${argv[i - 1]} needs a value`);
    if (name === 'dir') out.dir = text;
    else if (name === 'shapes') {
      const shapes = text.split(',').map((x) => x.trim());
      const unknown = shapes.filter((x) => !(x in EVENT_SHAPES));
      if (unknown.length) usageError(`unknown shape ${unknown.join(', ')}`);
      out.shapes = shapes as EventShape[];
    } else if (name === 'events' || name === 'accounts' || name === 'batch' || name === 'repeat') {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) usageError(`--${name} ${text} is not a positive whole number`);
      out[name] = n;
    } else usageError(`unknown option ${argv[i - 1]}`);
  }
  return out;
}

interface ShapeResult {
  shape: EventShape;
  rows: number;
  violating: number;
  floorBad: number;
  readNs: bigint;
  /** CPU time of the process (user + system), what the ratio is of */
  floorNs: bigint;
  fullNs: bigint;
  /** wall-clock time of the same passes */
  floorWallNs: bigint;
  fullWallNs: bigint;
  /** rows whose fast and slow verdicts differ (--check) */
  differ?: number;
}

async function runShape(args: EventsBenchArgs, compiled: CompiledPlan, shape: EventShape): Promise<ShapeResult> {
  const file = path.join(args.dir, `events-${shape}-${args.events}-${args.accounts}.${shapeExtension(shape)}`);
  if (!fs.existsSync(file)) {
    console.log(`generating ${args.events} events (${shape}) over ${args.accounts} accounts into ${file} ...`);
    writeEventShape(compiled, { file, shape, events: args.events, accounts: args.accounts });
  }
  const options = {
    accounts: new Set(Array.from({ length: args.accounts }, (_, i) => benchAccountKey(i))),
    asOfNs: BigInt(Date.parse('2026-12-01T00:00:00Z')) * 1_000_000n,
    toleranceNs: 5n * 60_000_000_000n
  };
  const judge = createJudge(compiled, options);
  const slow = args.check ? createJudge(compiled, { ...options, exactInstants: true }) : undefined;
  const envelope = compiled.envelope;
  const events = compiled.events;
  /** the floor: ajv's compiled validators alone, picked by name and version */
  const floor = (rows: Record<string, unknown>[]) => {
    let bad = 0;
    for (const e of rows) {
      let ok = envelope(e);
      const v = events.get(e.event_name as string)?.get(e.schema_version as string);
      if (v) ok = v.validate(e.properties) && ok;
      if (!ok) bad++;
    }
    return bad;
  };
  const full = (rows: Record<string, unknown>[]) => {
    let bad = 0;
    for (const e of rows) if (judge(e).length) bad++;
    return bad;
  };
  const r: ShapeResult = {
    shape,
    rows: 0,
    violating: 0,
    floorBad: 0,
    readNs: 0n,
    floorNs: 0n,
    fullNs: 0n,
    floorWallNs: 0n,
    fullWallNs: 0n
  };
  let batchNo = 0;
  const run = (rows: Record<string, unknown>[]) => {
    // the process's CPU time, not the wall clock: on a shared machine the wall clock also counts the turns of
    // other processes, which fall unevenly on the two passes; and the fastest of --repeat passes
    const timeIt = (fn: typeof floor) => {
      let best = { ns: -1n, wallNs: 0n, bad: 0 };
      for (let k = 0; k < args.repeat; k++) {
        const cpu = process.cpuUsage();
        const t = process.hrtime.bigint();
        const bad = fn(rows);
        const wallNs = process.hrtime.bigint() - t;
        const used = process.cpuUsage(cpu);
        const ns = BigInt(used.user + used.system) * 1000n;
        if (best.ns < 0n || ns < best.ns) best = { ns, wallNs, bad };
      }
      return best;
    };
    // the batch moves to the old generation first (npm run bench:events passes --expose-gc): otherwise whichever
    // pass allocates pays for copying the whole batch in each young-generation collection, which a stream of
    // events read one at a time (gtm events validate / sync) never does
    gc?.();
    // alternate which goes first: the second of two passes over the same rows finds them warmer in the caches
    const first = batchNo++ % 2 === 0;
    const a = first ? timeIt(floor) : undefined;
    const b = timeIt(full);
    const c = a ?? timeIt(floor);
    r.floorNs += c.ns;
    r.fullNs += b.ns;
    r.floorWallNs += c.wallNs;
    r.fullWallNs += b.wallNs;
    r.floorBad += c.bad;
    r.violating += b.bad;
    r.rows += rows.length;
    if (slow) {
      r.differ ??= 0;
      for (const e of rows) if (JSON.stringify(judge(e)) !== JSON.stringify(slow(e))) r.differ++;
    }
  };
  let batch: Record<string, unknown>[] = [];
  let readStart = process.hrtime.bigint();
  await readEventRows(file, compiled.plan.envelope, (row) => {
    if (!row.event) return; // the generator writes none: every row is an event
    batch.push(row.event);
    if (batch.length === args.batch) {
      r.readNs += process.hrtime.bigint() - readStart;
      run(batch);
      batch = [];
      readStart = process.hrtime.bigint();
    }
  });
  r.readNs += process.hrtime.bigint() - readStart;
  if (batch.length) run(batch);
  return r;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const compiled = compilePlan(loadPlan());
  fs.mkdirSync(args.dir, { recursive: true });
  const ms = (ns: bigint) => Number(ns / 1_000_000n);
  const rate = (rows: number, ns: bigint) => Math.round(rows / (Number(ns) / 1e9));
  const ratioOf = (r: ShapeResult) => Number(r.fullNs) / Number(r.floorNs);
  const results: ShapeResult[] = [];
  for (const shape of args.shapes) {
    const r = await runShape(args, compiled, shape);
    results.push(r);
    const ratio = ratioOf(r);
    console.log(`\n${shape}: ${EVENT_SHAPES[shape]}`);
    console.log(
      `  events: ${r.rows} (${r.violating} violating by the plan; ${r.floorBad} failing ajv alone), batches of ${args.batch}, fastest of ${args.repeat} passes`
    );
    console.log(`  reading (decode, CSV or JSON.parse, gunzip; common to both, not in the ratio): ${ms(r.readNs)} ms`);
    console.log(
      `  floor (ajv compiled validators alone): ${ms(r.floorNs)} ms CPU, ${ms(r.floorWallNs)} ms wall (${rate(r.rows, r.floorNs)} events/s)`
    );
    console.log(
      `  tracking-plan validation (gtm events):  ${ms(r.fullNs)} ms CPU, ${ms(r.fullWallNs)} ms wall (${rate(r.rows, r.fullNs)} events/s)`
    );
    console.log(`  wall-clock ratio: ${(Number(r.fullWallNs) / Number(r.floorWallNs)).toFixed(2)}x`);
    console.log(`  ratio: ${ratio.toFixed(2)}x the floor (target <= 1.5x): ${ratio <= 1.5 ? 'met' : 'NOT met'}`);
    if (r.differ !== undefined)
      console.log(`  --check: ${r.differ} rows whose verdict differs from the slow path (instant.ts)`);
  }
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log('\nshape            ratio');
  for (const r of results) console.log(`${r.shape.padEnd(16)} ${ratioOf(r).toFixed(2)}x`);
  console.log(`peak RSS: ${rssMb.toFixed(0)} MB (target < 1024 MB): ${rssMb < 1024 ? 'met' : 'NOT met'}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(70);
});
