/**
 * `npm run bench:events`: the tracking-plan validation of `gtm events validate` / `sync` against its floor, in one
 * run on this machine. Generates a JSON Lines file of funnel events once (5M by default, 20,000 accounts, 1% of them
 * violating in the ways senders get it wrong; under the system's temporary folder), then reads it in batches; each
 * batch is parsed once and, over the same parsed rows, timed twice, in alternating order: the floor (ajv's compiled
 * validators alone: the envelope's and the event version's) and the full verdict (createJudge: the same validators
 * plus typed violations with paths, did-you-mean, the usage sync's instant rules, Future-Timestamp and
 * Unknown-Account). Prints both times, the ratio (target <= 1.5x) and the peak RSS (target < 1 GB). Parsing the
 * JSON is common to both and timed apart. A benchmark, not a test: it asserts nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { prng } from '../lib/prng';
import { createJudge } from '../events/judge';
import { compilePlan, latestVersions, loadPlan, type CompiledPlan } from '../events/plan';

/** V8's collector, with --expose-gc */
const gc = (globalThis as { gc?: () => void }).gc;

const USAGE = [
  'usage: npm run bench:events -- [--events N] [--accounts N] [--batch N] [--dir D]',
  '  --events    events to generate and validate (default 5000000)',
  '  --accounts  accounts (default 20000)',
  '  --batch     rows parsed and timed together (default 100000)',
  `  --dir       where the event file goes (default ${path.join(os.tmpdir(), 'gtm-bench')})`
].join('\n');

function parseArgs(argv: string[]) {
  const out = { events: 5_000_000, accounts: 20_000, batch: 100_000, dir: path.join(os.tmpdir(), 'gtm-bench') };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.replace(/^--/, '');
    const text = argv[++i];
    if (name === 'help' || name === 'h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (name === 'dir' && text) {
      out.dir = text;
      continue;
    }
    const n = Number(text);
    if (!(name in out) || name === 'dir' || !Number.isInteger(n) || n < 1) {
      console.error(`error: bad option ${argv[i - 1]} ${text ?? ''}\n${USAGE}`);
      process.exit(2);
    }
    (out as Record<string, number | string>)[name] = n;
  }
  return out;
}

/** A value of a property schema that passes it (enum, integer bounds, pattern shapes of this plan). */
function sample(p: Record<string, unknown>, rnd: () => number, n: number): unknown {
  if (Array.isArray(p.enum)) return p.enum[Math.floor(rnd() * p.enum.length)];
  const type = [p.type].flat()[0];
  if (type === 'integer') return Math.floor(rnd() * Math.min(Number(p.maximum ?? 1000), 1000)) + Number(p.minimum ?? 0);
  if (type === 'boolean') return rnd() < 0.5;
  if (typeof p.pattern === 'string' && p.pattern.includes('W')) return `2026-W${String(1 + (n % 52)).padStart(2, '0')}`;
  if (typeof p.pattern === 'string') return `006L${String(n).padStart(14, '0')}`;
  return `v${n}`;
}

/** Writes the event file: 99% valid events over the plan's latest versions, 1% with one violation each. */
function generate(file: string, events: number, accounts: number, compiled: CompiledPlan) {
  const rnd = prng(15);
  const versions = latestVersions(compiled.plan);
  const fd = fs.openSync(`${file}.tmp`, 'w');
  const base = Date.parse('2026-01-05T00:00:00Z');
  let buf: string[] = [];
  for (let n = 0; n < events; n++) {
    const v = versions[n % versions.length]!;
    const props: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(v.schema.properties ?? {})) props[k] = sample(p, rnd, n);
    const occurred = new Date(base + Math.floor(rnd() * 180 * 86_400_000));
    const e: Record<string, unknown> = {
      event_id: `evt-${n}`,
      event_name: v.name,
      schema_version: v.version,
      occurred_at: occurred.toISOString(),
      received_at: new Date(occurred.getTime() + 2_000).toISOString(),
      account_key: `ACCT-${String(n % accounts).padStart(5, '0')}`,
      user_key: `u-${n % 997}`,
      source: 'product-web',
      properties: props
    };
    if (n % 100 === 99) {
      // the usual ways a sender gets it wrong, in turn
      const k = (n / 100) % 6 | 0;
      if (k === 0) e.event_name = v.name.toLowerCase();
      else if (k === 1) delete e.account_key;
      else if (k === 2) e.properties = { ...props, unplanned: 1 };
      else if (k === 3) e.account_key = 'NO-SUCH-ACCOUNT';
      else if (k === 4) e.occurred_at = '2027-01-01T00:00:00Z';
      else e.received_at = 'yesterday';
    }
    buf.push(JSON.stringify(e));
    if (buf.length === 10_000) {
      fs.writeSync(fd, `${buf.join('\n')}\n`);
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, `${buf.join('\n')}\n`);
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const compiled = compilePlan(loadPlan());
  fs.mkdirSync(args.dir, { recursive: true });
  const file = path.join(args.dir, `events-${args.events}-${args.accounts}.jsonl`);
  if (!fs.existsSync(file)) {
    console.log(`generating ${args.events} events over ${args.accounts} accounts into ${file} ...`);
    generate(file, args.events, args.accounts, compiled);
  }
  const accounts = new Set(Array.from({ length: args.accounts }, (_, i) => `ACCT-${String(i).padStart(5, '0')}`));
  const judge = createJudge(compiled, {
    accounts,
    asOfNs: BigInt(Date.parse('2026-12-01T00:00:00Z')) * 1_000_000n,
    toleranceNs: 5n * 60_000_000_000n
  });
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

  let parseNs = 0n;
  let floorNs = 0n;
  let fullNs = 0n;
  let rowsSeen = 0;
  let violating = 0;
  let floorBad = 0;
  let batchNo = 0;
  const run = (rows: Record<string, unknown>[]) => {
    const timeIt = (fn: typeof floor) => {
      const t = process.hrtime.bigint();
      const bad = fn(rows);
      return { ns: process.hrtime.bigint() - t, bad };
    };
    // alternate which goes first: the second of two passes over the same rows finds them warmer in the caches
    const first = batchNo++ % 2 === 0;
    const a = first ? timeIt(floor) : undefined;
    const b = timeIt(full);
    const c = a ?? timeIt(floor);
    floorNs += c.ns;
    fullNs += b.ns;
    floorBad += c.bad;
    violating += b.bad;
    rowsSeen += rows.length;
  };
  const lines = readline.createInterface({
    input: fs.createReadStream(file, { highWaterMark: 1 << 20 }),
    crlfDelay: Infinity
  });
  let text: string[] = [];
  const flush = () => {
    const t = process.hrtime.bigint();
    const rows = text.map((l) => JSON.parse(l) as Record<string, unknown>);
    parseNs += process.hrtime.bigint() - t;
    text = [];
    // the batch moves to the old generation first (npm run bench:events passes --expose-gc): otherwise whichever
    // pass allocates pays for copying the whole batch in each young-generation collection, which a stream of
    // events read one at a time (gtm events validate / sync) never does
    gc?.();
    run(rows);
  };
  for await (const line of lines) {
    text.push(line);
    if (text.length === args.batch) flush();
  }
  if (text.length) flush();
  const ms = (ns: bigint) => Number(ns / 1_000_000n);
  const ratio = Number(fullNs) / Number(floorNs);
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `events: ${rowsSeen} (${violating} violating by the plan; ${floorBad} failing ajv alone), batches of ${args.batch}`
  );
  console.log(`JSON.parse (common to both, not in the ratio): ${ms(parseNs)} ms`);
  console.log(
    `floor (ajv compiled validators alone): ${ms(floorNs)} ms (${Math.round(rowsSeen / (Number(floorNs) / 1e9))} events/s)`
  );
  console.log(
    `tracking-plan validation (gtm events):  ${ms(fullNs)} ms (${Math.round(rowsSeen / (Number(fullNs) / 1e9))} events/s)`
  );
  console.log(`ratio: ${ratio.toFixed(2)}x the floor (target <= 1.5x): ${ratio <= 1.5 ? 'met' : 'NOT met'}`);
  console.log(`peak RSS: ${rssMb.toFixed(0)} MB (target < 1024 MB): ${rssMb < 1024 ? 'met' : 'NOT met'}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(70);
});
