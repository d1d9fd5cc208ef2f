import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../../lib/errors';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import { LocalStore } from '../../store/localStore';
import { ticketCsv, WeekPlan } from '../../test-support/ticketExport';
import { isoWeekLabel, weekIndexOfLabel, weekStartMs } from '../isoWeek';
import type { DeferredSink, UsageSink } from '../sink';
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
const plans = [0, 1, 2, 3].map((w) => qualifying('acme', w));

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-refusals-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const storeFile = () => path.join(dir, 'store.duckdb');

/** the local store as the command hands it to the sync: opened only when the sync asks */
function deferred(): DeferredSink & { opened?: UsageSink } {
  const d: DeferredSink & { opened?: UsageSink } = {
    label: `local store ${storeFile()}`,
    queries: true,
    async open() {
      d.opened = createLocalSink(await LocalStore.open(storeFile(), schema), { createMissingParents: true });
      return d.opened;
    }
  };
  return d;
}

async function sync(input: string, extra: Partial<SyncOptions> = {}) {
  const target = deferred();
  try {
    return await runUsageSync(
      { input, asOfMs: weekStartMs(W + 30), dryRun: false, maxRejectRate: 0.01, ...extra },
      policy,
      target
    );
  } finally {
    await target.opened?.close();
  }
}

function exportFile(name: string, text: string | Buffer): string {
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
}

const csv = (out: string, name: string) =>
  fs
    .readFileSync(path.join(out, name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('an export folder that cannot be written', () => {
  it('is refused before anything is read or written (an output name taken by a folder)', async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    const out = path.join(dir, 'out');
    fs.mkdirSync(path.join(out, 'expansion_triggers.csv'), { recursive: true });
    const err = await sync(input, { exportDir: out, cacheDir: path.join(dir, 'cache') }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /cannot write the export to .*out: .*expansion_triggers\.csv is a folder, not a file; nothing was read or written/
    );
    // nothing was made: no store, no cache entry, no export file
    expect(fs.existsSync(storeFile())).toBe(false);
    expect(fs.existsSync(path.join(dir, 'cache'))).toBe(false);
    expect(fs.readdirSync(out)).toEqual(['expansion_triggers.csv']);
  });

  it('is refused when the export path is a file', async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    const taken = exportFile('out', 'not a folder');
    await expect(sync(input, { exportDir: path.join(taken, 'sub') })).rejects.toThrow(/out is a file, not a folder/);
    expect(fs.existsSync(storeFile())).toBe(false);
  });
});

describe('places a file system will not take files in', () => {
  const virtualFs = fs.existsSync('/proc/self') ? it : it.skip;

  // before: Node's recursive mkdir spun at 100% CPU forever on /proc, and the store was written before the export failed
  virtualFs('an export folder under /proc is refused before the store is made', async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    await expect(sync(input, { exportDir: '/proc/gtm-export/out' })).rejects.toThrow(
      /cannot write the export to \/proc\/gtm-export\/out: .*nothing was read or written/
    );
    expect(fs.existsSync(storeFile())).toBe(false);
  });

  virtualFs('a store under /proc is refused before the export is read', async () => {
    await expect(LocalStore.open('/proc/gtm-store/store.duckdb', schema)).rejects.toThrow(
      /--store \/proc\/gtm-store\/store\.duckdb cannot be written: \/proc\/gtm-store: .*nothing was read or written/
    );
  });

  it('the folders made to check an export path are removed when the run stops', async () => {
    const input = exportFile('tickets.csv', `${ticketCsv(plans)}x,acme,not-a-time,,ai\n`);
    const out = path.join(dir, 'reports', 'week10');
    await expect(sync(input, { exportDir: out, maxRejectRate: 0 })).rejects.toThrow(/rejected/);
    expect(fs.existsSync(path.join(dir, 'reports'))).toBe(false);
  });
});

describe('an export that is not a file', () => {
  // before: /dev/stdin or <(zcat x.gz) failed with "unexpected failure: ESPIPE" (exit 70)
  it('a pipe, standard input or a device is refused with what to do, before anything is made', async () => {
    const fifo = path.join(dir, 'export.csv');
    const made = spawnSync('mkfifo', [fifo]).status === 0;
    if (made) await expect(sync(fifo)).rejects.toThrow(/export\.csv is a pipe, not a file: .*save it to a file first/);
    await expect(sync('-')).rejects.toThrow(/^- is standard input, not a file/);
    await expect(sync('/dev/null')).rejects.toThrow(/\/dev\/null is a device or socket, not a file/);
    expect(fs.existsSync(storeFile())).toBe(false);
  });
});

describe('the export describes the store', () => {
  it("a re-run's export lists the snapshots and triggers stored before, marked not new", async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    const first = path.join(dir, 'first');
    const again = path.join(dir, 'again');
    await sync(input, { exportDir: first });
    const rerun = await sync(input, { exportDir: again });
    expect(rerun.summary).toMatchObject({ written: 0, triggers: 0, snapshots: 4 });
    const fired = isoWeekLabel(W + t.consecutiveWeeks - 1);
    expect(csv(first, 'expansion_triggers.csv').map((r) => [r[0], r[1], r[6], r[7]])).toEqual([
      ['account_id', 'iso_week', 'status', 'new_in_this_run'],
      ['acme', fired, 'Shadow', 'true']
    ]);
    // before: an empty file on the re-run (issue 12, item 5)
    expect(csv(again, 'expansion_triggers.csv').map((r) => [r[0], r[1], r[6], r[7]])).toEqual([
      ['account_id', 'iso_week', 'status', 'new_in_this_run'],
      ['acme', fired, 'Shadow', 'false']
    ]);
    expect(
      csv(first, 'usage_snapshots.csv')
        .slice(1)
        .map((r) => r[8])
    ).toEqual(['true', 'true', 'true', 'true']);
    expect(
      csv(again, 'usage_snapshots.csv')
        .slice(1)
        .map((r) => r[8])
    ).toEqual(['false', 'false', 'false', 'false']);
    // a changed week is new again; the others are not
    const changed = exportFile(
      'changed.csv',
      ticketCsv([...plans.slice(0, 3), { ...qualifying('acme', 3), total: t.minTickets + 1 }])
    );
    await sync(changed, { exportDir: again });
    expect(
      csv(again, 'usage_snapshots.csv')
        .slice(1)
        .map((r) => [r[1], r[8]])
    ).toEqual([
      [isoWeekLabel(W), 'false'],
      [isoWeekLabel(W + 1), 'false'],
      [isoWeekLabel(W + 2), 'false'],
      [isoWeekLabel(W + 3), 'true']
    ]);
  });
});

describe('a dry run or a refused run makes nothing', () => {
  it('a dry run makes no cache entry (and, through the command, no store)', async () => {
    const input = exportFile('tickets.csv', ticketCsv(plans));
    const cacheDir = path.join(dir, 'cache', 'usage');
    const r = await sync(input, { dryRun: true, cacheDir });
    expect(r.summary).toMatchObject({ dry_run: true, snapshots: 4, triggers: 1 });
    expect(fs.existsSync(path.join(dir, 'cache'))).toBe(false);
  });

  it('a run refused for its rejects or its encoding opens no store and makes no cache entry', async () => {
    const good = ticketCsv([qualifying('acme', 0)])
      .trim()
      .split('\n');
    const rejected = exportFile('rejected.csv', [...good, 'x1,acme,not a date,,ai,email', ''].join('\n'));
    const latin1 = exportFile(
      'latin1.csv',
      Buffer.from(`${good[0]}\nT1,Caf\xe9,2026-03-02T10:00:00Z,,ai,email\n`, 'latin1')
    );
    const cacheDir = path.join(dir, 'cache', 'usage');
    await expect(sync(rejected, { cacheDir })).rejects.toThrow(/above --max-reject-rate/);
    await expect(sync(latin1, { cacheDir })).rejects.toThrow(/line 2, byte offset \d+: not valid UTF-8/);
    expect(fs.existsSync(storeFile())).toBe(false);
    expect(fs.existsSync(path.join(dir, 'cache'))).toBe(false);
    // the same rejects within the rate: the store is made then, and the entry kept
    await sync(rejected, { cacheDir, maxRejectRate: 0.05 });
    expect(fs.existsSync(storeFile())).toBe(true);
    expect(fs.readdirSync(cacheDir)).toHaveLength(1);
  });

  it('--encoding is part of what the cache knows of a file', async () => {
    const text = `${ticketCsv([qualifying('acme', 0)]).split('\n')[0]}\nT1,Caf\xe9,2026-03-02T10:00:00Z,,ai,email\nT2,Caf\xe8,2026-03-02T10:00:00Z,,ai,email\n`;
    const input = exportFile('latin1.csv', Buffer.from(text, 'latin1'));
    const cacheDir = path.join(dir, 'cache');
    const r = await sync(input, { cacheDir, encoding: 'latin1' });
    expect(r.summary).toMatchObject({ encoding: 'latin1', tickets: 2, snapshots: 2, duplicates: 0 });
    await expect(sync(input, { cacheDir })).rejects.toThrow(/not valid UTF-8/);
  });
});
