/**
 * `gtm workbench`: the panels on local record pages, answered from a sample world in the embedded store. Builds
 * the sample world (once; --fresh makes it anew), runs the real usage sync and backtest over it, builds or loads
 * the bundle, serves on 127.0.0.1 and prints the URLs; Ctrl-C closes the server and the store.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Command } from 'commander';
import { createOutput, Output, table } from '../cli/output';
import { InputError, ToolError, UsageError } from '../lib/errors';
import { displayPath, REPO_ROOT } from '../lib/paths';
import { loadSchema } from '../metadata/schema';
import { loadPolicyFile, Policy } from '../policy/policy';
import { LocalStore } from '../store/localStore';
import { buildWorkbench, checkBuildDependencies } from '../workbench/build';
import { createStoreControllers, createStoreData, createStoreStages } from '../workbench/controllers';
import { syncSampleWorld } from '../workbench/syncWorld';
import { findTour } from '../workbench/tour';
import { buildSampleWorld } from '../workbench/sampleWorld';
import { DEFAULT_PORT, startWorkbenchServer } from '../workbench/server';

/** The workbench's own store: never the default store of `gtm usage`, which may hold real data. */
export const WORKBENCH_STORE = path.join(REPO_ROOT, '.gtm', 'workbench-world.duckdb');

interface WorkbenchFlags {
  port?: string;
  store?: string;
  fresh?: boolean;
  open?: boolean;
}

interface WorldInfo {
  ticketExport: string;
  outcomesFile: string;
  /** funnel events (worlds built before the tracking plan have none) */
  eventsFile?: string;
  asOf: string;
  today: string;
  builtAt?: string;
  /** the usage sync and backtest ran over it (a start interrupted before that runs them again) */
  synced?: boolean;
}

const worldFile = (store: string) => `${store}.world.json`;

export function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535)
    throw new UsageError(`--port ${JSON.stringify(text)} must be a port number (1-65535, or 0 for any free port)`);
  return port;
}

/** Fails fast, before the slow steps, when the port is taken. */
function checkPortFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new ToolError(`port ${port} is in use; pass --port`)
          : new ToolError(`the workbench cannot listen on ${host}:${port}: ${err.message}; pass --port`)
      )
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

function readWorld(store: string): WorldInfo | null {
  const w = worldOrWhyNot(store);
  return typeof w === 'string' ? null : w;
}

/** The world's description, or why the store is not a usable sample world (said in the refusal to replace it). */
function worldOrWhyNot(store: string): WorldInfo | string {
  const info = path.basename(worldFile(store));
  let w: WorldInfo;
  try {
    w = JSON.parse(fs.readFileSync(worldFile(store), 'utf8')) as WorldInfo;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `no ${info} next to it` : `${info} is not readable JSON`;
  }
  if (!fs.existsSync(store)) return 'no store file';
  // the description names its files by absolute path: a world moved or copied elsewhere loses them
  if (typeof w.ticketExport !== 'string' || !fs.existsSync(w.ticketExport))
    return `its ticket export ${String(w.ticketExport)}, named in ${info}, is gone (moved or deleted)`;
  return w;
}

/** Sync the world's ticket export and backtest its triggers, as `gtm usage sync` and `backtest` would. */
async function syncAndBacktest(store: LocalStore, world: WorldInfo, policy: Policy, out: Output): Promise<void> {
  const { sync, backtest: bt, events, audits } = await syncSampleWorld(store, world, policy, (m) => out.progress(m));
  out.done();
  const s = sync.summary;
  out.info(`usage sync of ${displayPath(world.ticketExport)} as of ${s.as_of} (${s.mode} mode):`);
  out.info(
    table(
      [
        ['tickets', s.tickets],
        ['rejected rows', s.rejected],
        ['snapshots written', s.snapshot_writes.written],
        ['triggers fired', s.triggers],
        ['failed writes', s.failed]
      ].map(([k, v]) => [`  ${k}`, v as number])
    )
  );
  const r = bt.report;
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
  out.info(`backtest with ${displayPath(world.outcomesFile)}:`);
  out.info(
    table([
      ['  labelled triggers', r.n],
      ['  window still open', r.pending],
      ['  false-positive rate', pct(r.falsePositiveRate)]
    ])
  );
  out.info(`  ${r.met ? 'MET' : 'NOT MET'}: ${r.verdict}`);
  if (events) {
    const e = events.summary;
    out.info(`events sync of ${displayPath(e.input)} (tracking-plan/):`);
    out.info(
      table(
        [
          ['events', e.rows],
          ['written', e.written],
          ['quarantined', e.quarantined + e.conflicts],
          ['failed writes', e.failed]
        ].map(([k, v]) => [`  ${k}`, v as number])
      )
    );
  }
  out.info('hallucination audits (gtm audit ingest of data/sample/audits):');
  out.info(
    table(
      audits.map((a) => [
        `  ${a.dealGate.deal.name}`,
        `${a.read.format} ${a.read.summary.hallucinated} of ${a.read.summary.responses}`,
        a.dealGate.result.status
      ])
    )
  );
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => {}); // no opener on this machine: the URL is printed anyway
    child.unref();
  } catch {
    // same
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function registerWorkbenchCommand(program: Command): void {
  program
    .command('workbench')
    .description(
      'the record-page panels on local Lightning-style pages, answered from a sample world in the embedded store (no org needed)'
    )
    .option('--port <n>', `port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)`)
    .option('--store <path>', `the workbench's store file (default ${displayPath(WORKBENCH_STORE)})`)
    .option('--fresh', 'build the sample world anew (discards edits made in the workbench)')
    .option('--no-open', 'do not open a browser')
    .action(async (flags: WorkbenchFlags) => {
      const out = createOutput(false);
      const host = '127.0.0.1';
      const port = parsePort(flags.port);
      const storeFile = path.resolve(flags.store ?? WORKBENCH_STORE);
      checkBuildDependencies();
      await checkPortFree(port, host);

      let world = flags.fresh ? null : readWorld(storeFile);
      const fresh = world === null;
      if (fresh) {
        if (!flags.fresh && fs.existsSync(storeFile))
          throw new InputError(
            `${displayPath(storeFile)} is not a workbench sample world (${worldOrWhyNot(storeFile) as string}); building one would replace it`,
            { details: ['pass --fresh to replace it, or --store with another file'] }
          );
        out.progress(`building the sample world in ${displayPath(storeFile)} ...`);
        const t0 = Date.now();
        const built = await buildSampleWorld(storeFile);
        world = { ...built, builtAt: new Date().toISOString(), synced: false };
        fs.writeFileSync(worldFile(storeFile), `${JSON.stringify(world, null, 2)}\n`);
        out.done(`sample world built in ${seconds(Date.now() - t0)} (today ${world.today})`);
      } else {
        out.info(`sample world: ${displayPath(storeFile)} (today ${world!.today}; --fresh builds it anew)`);
      }
      const w = world!;

      const store = await LocalStore.open(storeFile, loadSchema());
      let closeServer: (() => Promise<void>) | undefined;
      try {
        if (!w.synced) {
          await syncAndBacktest(store, w, loadPolicyFile(), out);
          fs.writeFileSync(worldFile(storeFile), `${JSON.stringify({ ...w, synced: true }, null, 2)}\n`);
        }
        const bundle = await buildWorkbench({ onProgress: (m) => out.progress(m) });
        out.done(
          bundle.cached
            ? `bundle: cached in ${displayPath(bundle.dir)} (cold build took ${seconds(bundle.buildMs)}), loaded in ${bundle.ms} ms`
            : `bundle: built in ${seconds(bundle.buildMs)} -> ${displayPath(bundle.dir)}`
        );
        for (const s of bundle.skipped) out.info(`  not in the bundle yet: ${s}`);
        for (const warning of bundle.warnings.slice(0, 10)) out.info(`  compiler warning: ${warning}`);

        const data = createStoreData(store);
        const controllers = createStoreControllers(store, w.today);
        const tour = await findTour(controllers, data);
        const server = await startWorkbenchServer({
          bundleDir: bundle.dir,
          controllers,
          data,
          stages: createStoreStages(store, w.today),
          port,
          host,
          banner: `sample world, today ${w.today}, ${displayPath(storeFile)}`,
          log: (line) => process.stderr.write(`workbench: ${line}\n`),
          tour
        });
        closeServer = () => server.close();

        out.info('');
        out.info(`workbench: ${server.url}/  (every account and opportunity)`);
        for (const stop of tour) out.info(`  ${stop.what}, ${stop.name}:\n    ${server.url}${stop.path}`);
        out.info('Ctrl-C stops it.');
        if (flags.open !== false && process.stdout.isTTY) openBrowser(`${server.url}/`);

        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          const stop = (s: NodeJS.Signals) => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve(s);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        process.stderr.write(`\n${signal}: stopping the workbench ...\n`);
      } finally {
        if (closeServer) await closeServer();
        await store.close();
      }
      out.info('workbench stopped: server closed, store closed.');
    });
}
