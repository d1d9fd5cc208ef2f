import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { createOutput, Output, table } from '../cli/output';
import { InputError, UsageError } from '../lib/errors';
import { plural } from '../lib/text';
import { ACCOUNT_KEY_FIELD } from '../usage/records';
import { loadSchema } from '../metadata/schema';
import { loadPolicyFromOrg } from '../policy/orgPolicy';
import { loadPolicyFile, Policy } from '../policy/policy';
import { sourceApiVersion } from '../deploy/plan';
import { connectSalesforceSink, SalesforceSink } from '../usage/salesforce/salesforceSink';
import { createLocalSink } from '../store/localSink';
import { checkStorePath, DEFAULT_STORE, LocalStore } from '../store/localStore';
import { MAX_YEAR, MIN_YEAR, parseInstant, nsToMs } from '../usage/instant';
import type { DeferredSink, UsageSink } from '../usage/sink';
import { parseEncoding as readEncodingFlag, Encoding } from '../usage/encoding';
import { detectFormat } from '../usage/aggregate';
import { DEFAULT_CACHE_DIR } from '../usage/aggregateCache';
import { runBacktest } from '../usage/backtestRun';
import { runUsageSync, SyncResult } from '../usage/sync';
// pqa.ts reads parseAsOf from here: a cycle, safe because each side is used only when a command runs
import { pqaSync } from './pqa';

interface SyncFlags {
  store?: string;
  asOf?: string;
  dryRun?: boolean;
  maxRejectRate?: string;
  export?: string;
  json?: boolean;
  createAccounts?: boolean;
  forceLive?: string;
  cache?: boolean;
  targetOrg?: string;
  encoding?: string;
  thenPqa?: boolean;
}

/** --encoding: utf8, latin1 or utf16 (anything else is a usage error, exit 2). */
export function parseEncoding(text: string | undefined): Encoding | undefined {
  try {
    return readEncodingFlag(text);
  } catch (err) {
    throw new UsageError((err as Error).message, {
      details: ['UTF-16 with a byte order mark (as Excel writes it) is read without --encoding']
    });
  }
}

/** --as-of (or another instant option, named by `option`): an ISO instant, or a date meaning midnight UTC. */
export function parseAsOf(text: string | undefined, now = Date.now(), option = '--as-of'): number {
  if (text === undefined) return now;
  const ns = parseInstant(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (ns !== undefined) return nsToMs(ns);
  const flag = `${option} ${JSON.stringify(text)}`;
  const year = /^(\d{4})-\d{2}-\d{2}(?:[T ]|$)/.exec(text)?.[1];
  if (year !== undefined && (Number(year) < MIN_YEAR || Number(year) > MAX_YEAR))
    throw new UsageError(`${flag} is outside the years ${MIN_YEAR}..${MAX_YEAR} an instant can have here`);
  if (year !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(text))
    throw new UsageError(`${flag} is not a day of the calendar`);
  throw new UsageError(`${flag} is not a date or an instant`, {
    details: [
      'accepted: 2026-11-30 (midnight UTC), 2026-11-30T09:00:00Z, 2026-11-30 09:00:00.5+05:30, 2026-11-30T09:00:00 (UTC)'
    ]
  });
}

/** --max-reject-rate (or another rate option, named by `option`): 0.01 or 1%. */
export function parseRate(text: string | undefined, fallback: number, option = '--max-reject-rate'): number {
  if (text === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const rate = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(rate >= 0 && rate <= 1))
    throw new UsageError(
      `${option} ${JSON.stringify(text)} must be a share between 0 and 1 (0.01) or a percentage (1%)`
    );
  return rate;
}

/** The summary's rows about Accounts: those a run added, or a dry run's account_ids that no Account has. */
function accountRows(s: SyncResult['summary']): [string, number][] {
  const missing = s.missing_accounts?.count ?? 0;
  if (s.dry_run)
    return s.missing_accounts?.action === 'create'
      ? [['accounts to create', missing]]
      : missing
        ? [['accounts with no Account', missing]]
        : [];
  return s.accounts_created !== undefined ? [['accounts created', s.accounts_created]] : [];
}

function printSummary(r: SyncResult, out: Output) {
  const s = r.summary;
  // a dry run says what a real run would write, where a real run says what it wrote and what failed
  const writes = (w: SyncResult['summary']['snapshot_writes'], unchanged: boolean): [string, number][] =>
    s.dry_run
      ? [
          ['  would be written', w.would_write ?? 0],
          ...(w.would_fail ? [['    would fail (no Account)', w.would_fail] as [string, number]] : []),
          ...(unchanged ? [['  unchanged', w.unchanged] as [string, number]] : [])
        ]
      : [
          ['  written', w.written],
          ...(unchanged ? [['  unchanged', w.unchanged] as [string, number]] : []),
          ['  failed', w.failed]
        ];
  out.info(
    `${s.dry_run ? 'Dry run (nothing written): ' : ''}${s.input} (${s.format}, ${s.encoding}) -> ${s.sink}, as of ${s.as_of}, ${s.mode} mode\npolicy: ${s.policy}\n`
  );
  out.info(
    table(
      [
        ['rows read', s.rows_read],
        ['  tickets', s.tickets],
        ['  duplicates', s.duplicates],
        ['  rejected', s.rejected],
        ...accountRows(s),
        ['snapshots (account x week)', s.snapshots],
        ...writes(s.snapshot_writes, true),
        [`triggers fired (${s.mode})`, s.triggers],
        ...writes(s.trigger_writes, false),
        ['follow-up tasks (live)', s.follow_up_tasks.created],
        ['  found (created earlier)', s.follow_up_tasks.found],
        ['  failed', s.follow_up_tasks.failed],
        ['  ids not recorded', s.follow_up_tasks.ids_not_recorded]
      ],
      ['', 'count']
    )
  );
  if (s.live_override)
    out.info(`\nLIVE MODE FORCED: ${s.live_override.reason} (backtest: ${s.live_override.backtest})`);
  for (const f of r.failures.slice(0, 10)) out.info(`failed ${f.object} ${f.key}: ${f.error}`);
  if (r.failures.length > 10)
    out.info(`... and ${r.failures.length - 10} more failures (see write_failures.csv with --export)`);
  if (s.lowered_weeks) {
    // a partial export (incremental, one channel) replaces whole stored weeks with less: never silent
    out.info(
      `\nwarning: this export has fewer tickets than the store held for ${plural(s.lowered_weeks, 'account-week')}, and ${s.dry_run ? 'would replace' : 'replaced'} them:`
    );
    for (const x of r.lowered) out.info(`  ${x.key.replace('|', ' ')}: ${x.stored} -> ${x.incoming} tickets`);
    if (s.lowered_weeks > r.lowered.length) out.info(`  ... and ${s.lowered_weeks - r.lowered.length} more`);
    out.info(
      '  an export replaces each account-week it has tickets for; if this one is partial (incremental, one channel), sync a complete export of those weeks'
    );
  }
  if (s.snapshots > 0 && s.weeks_not_complete === s.snapshots)
    // before: "triggers fired 0" and nothing else when --as-of was earlier than the export
    out.info(
      `\nwarning: as of ${s.as_of} no week of this export has ended, so none counts toward a trigger yet: ` +
        'pass a later --as-of (or none: now) to judge them'
    );
  const m = s.missing_accounts;
  if (s.dry_run && m?.action === 'fail') {
    // a dry run must not promise writes the real run fails
    const names = m.keys.map((k) => `"${k}"`).join(', ') + (m.count > m.keys.length ? ', ...' : '');
    out.info(
      `\nwarning: ${plural(m.count, 'account_id')} of this export ${m.count === 1 ? 'has' : 'have'} no Account in the ${s.sink} (${names}): a real run would fail their ${plural(s.snapshot_writes.would_fail ?? 0, 'snapshot')} and ${plural(s.trigger_writes.would_fail ?? 0, 'trigger')}`
    );
    out.info(
      s.sink.startsWith('local store')
        ? '  pass --create-accounts to add an Account for each new account_id'
        : `  set ${ACCOUNT_KEY_FIELD} on those accounts in the org, then sync`
    );
  }
  for (const x of r.rejects.slice(0, 5)) out.info(`rejected line ${x.line}: ${x.reason}`);
  if (r.rejects.length > 5)
    out.info(`... and ${r.rejects.length - 5} more rejected rows (see rejects.csv with --export)`);
}

/** A write refused because no Account has the row's usage key (the org's error, which the local store repeats). */
const MISSING_ACCOUNT = new RegExp(
  `Foreign key external ID: (.*) not found for field ${ACCOUNT_KEY_FIELD} in entity Account`
);

/** Folds what makes two account keys look the same to a person: Unicode form (NFC) and case. */
const lookalikeForm = (key: string) => key.normalize('NFC').toLowerCase();

/**
 * For each account key a sync could not write because no Account has it, the stored key that differs from it only
 * in case or Unicode form (macOS tools write "Café" decomposed), read from the sink only when such failures exist.
 */
export async function accountLookalikes(result: SyncResult, sink: UsageSink): Promise<Map<string, string>> {
  const missing = new Set(
    result.failures.map((f) => MISSING_ACCOUNT.exec(f.error)?.[1]).filter((k): k is string => Boolean(k))
  );
  const found = new Map<string, string>();
  if (missing.size === 0) return found;
  const stored = new Map<string, string>();
  try {
    for (const key of (await sink.load('Account', ACCOUNT_KEY_FIELD, [ACCOUNT_KEY_FIELD])).keys())
      if (key) stored.set(lookalikeForm(key), key);
  } catch {
    return found; // a hint only: a sink that cannot list the accounts leaves the failures as they are reported
  }
  for (const key of missing) {
    const twin = stored.get(lookalikeForm(key));
    if (twin !== undefined && twin !== key) found.set(key, twin);
  }
  return found;
}

/**
 * Prints the result of a sync (the summary, or JSON with --json) and returns its exit code: 3 when any write failed,
 * said on stderr in both modes with the count per object.
 */
export function reportSyncResult(
  result: SyncResult,
  sink: UsageSink,
  out: Output,
  /** missing account keys -> the stored key each differs from only in case or Unicode form */
  lookalikes: ReadonlyMap<string, string> = new Map()
): number {
  const org = 'apiRequests' in sink ? (sink as SalesforceSink) : undefined;
  out.result(org ? { ...result.summary, api_requests: org.apiRequests, api_version: org.apiVersion } : result.summary);
  printSummary(result, out);
  if (org) out.info(`\nAPI requests to the org: ${org.apiRequests} (API version ${org.apiVersion})`);
  const failed = result.summary.failed;
  if (failed === 0) return 0;
  const byObject = new Map<string, number>();
  for (const f of result.failures) byObject.set(f.object, (byObject.get(f.object) ?? 0) + 1);
  const where = [...byObject].map(([object, n]) => `${n} ${object}`).join(', ');
  out.done(`error: ${plural(failed, 'write')} failed${where ? ` (${where})` : ''}`);
  for (const f of result.failures.slice(0, 3)) out.done(`  ${f.object} ${f.key}: ${f.error}`);
  // "ACME" or a decomposed "Café" beside a stored "acme" / "Café": a typo or an encoding, never a new account
  for (const [key, stored] of [...lookalikes].slice(0, 5))
    out.done(
      `  account_id "${key}" matches no Account, but "${stored}" differs from it only in ${key.toLowerCase() === stored.toLowerCase() ? 'case' : 'Unicode form or case'}: fix the export's account_id (keys are exact), do not create a second account`
    );
  const missingAccounts = result.failures.filter(
    (f) => MISSING_ACCOUNT.test(f.error) && !lookalikes.has(MISSING_ACCOUNT.exec(f.error)![1]!)
  ).length;
  if (missingAccounts) {
    const rows = missingAccounts === 1 ? '1 row names an account' : `${missingAccounts} rows name accounts`;
    out.done(
      org
        ? `  ${rows} no Account in the org has as ${ACCOUNT_KEY_FIELD}: set that field on the accounts, then sync again`
        : `  ${rows} the local store does not have: pass --create-accounts to add an Account for each new account_id`
    );
  }
  out.done(
    `  a re-run sends them again; ${out.json ? 'the summary' : 'the lines above'} and --export's write_failures.csv list them`
  );
  return 3;
}

/** The sink a command writes to, and the policy it judges by: the org's own copy when it targets an org. */
export async function openSink(
  flags: { targetOrg?: string; store?: string; createAccounts?: boolean; dryRun?: boolean },
  out: Output
): Promise<{ sink: UsageSink; policy: Policy }> {
  if (flags.targetOrg) {
    out.progress(`connecting to ${flags.targetOrg} with the sf CLI's stored auth ...`);
    const wanted = sourceApiVersion();
    const sink = await connectSalesforceSink(flags.targetOrg, wanted);
    try {
      const v = await sink.useApiVersion(wanted);
      out.progress(
        v.version === wanted
          ? `${flags.targetOrg}: API version ${v.version}`
          : `${flags.targetOrg}: API version ${v.version}, the highest the org serves (the project's sourceApiVersion is ${wanted})`
      );
      const policy = await loadPolicyFromOrg((soql) => sink.queryAll(soql), flags.targetOrg);
      out.done();
      return { sink, policy };
    } catch (err) {
      await sink.close();
      throw err;
    }
  }
  const store = await LocalStore.open(path.resolve(flags.store ?? DEFAULT_STORE), loadSchema(), {
    readOnly: flags.dryRun
  });
  return {
    sink: createLocalSink(store, { createMissingParents: Boolean(flags.createAccounts) }),
    policy: loadPolicyFile()
  };
}

/**
 * The local store for a sync, opened only once the export has been read and judged (a refused run makes no store
 * file). The path is checked now: a file that is not a DuckDB database, or a place that cannot be written, stops
 * the run before any work. A dry run on a store that does not exist yet reads an empty store that is not kept.
 */
function deferredLocalSink(flags: SyncFlags): DeferredSink & { opened?: UsageSink } {
  const file = path.resolve(flags.store ?? DEFAULT_STORE);
  // a dry run only reads the store: it opens read only, so a store the user can only read will do
  const readOnly = Boolean(flags.dryRun);
  checkStorePath(file, { readOnly });
  const label = `local store ${file}`;
  const deferred: DeferredSink & { opened?: UsageSink } = {
    label,
    queries: true,
    async open() {
      const keep = !flags.dryRun || fs.existsSync(file);
      const store = await LocalStore.open(keep ? file : ':memory:', loadSchema(), { readOnly });
      const sink = createLocalSink(store, { createMissingParents: Boolean(flags.createAccounts) });
      deferred.opened = keep ? sink : { ...sink, label: `${label} (none yet: a dry run reads an empty store)` };
      return deferred.opened;
    }
  };
  return deferred;
}

export function registerUsageCommand(program: Command): void {
  const usage = program
    .command('usage')
    .description('exp-005: weekly AI resolution share and expansion triggers from ticket exports');
  usage
    .command('sync')
    .description('turn a ticket export (CSV, CSV.gz or Parquet) into weekly usage snapshots and exp-005 triggers')
    .argument('<export>', 'ticket export: ticket_id, account_id, created_at, resolved_at, resolution[, channel]')
    .option(
      '-o, --target-org <alias>',
      'write to this org through Bulk API 2.0, with the sf CLI auth (default: the local store)'
    )
    .option(
      '--store <path>',
      `local store file (default ${path.relative(process.cwd(), DEFAULT_STORE) || DEFAULT_STORE})`
    )
    .option('--as-of <when>', 'judge weeks complete as of this date or instant (default: now)')
    .option('--dry-run', 'read, judge and report; write nothing anywhere')
    .option(
      '--max-reject-rate <rate>',
      'stop before writing when more rows than this are rejected (default: policy, 1%)'
    )
    .option(
      '--export <dir>',
      'write usage_snapshots.csv, expansion_triggers.csv, rejects.csv, write_failures.csv and summary.json there'
    )
    .option('--force-live <reason>', 'live mode although the backtest has not cleared it (the reason is recorded)')
    .option('--create-accounts', 'local store only: add an Account for each account_id the store does not have yet')
    .option('--encoding <name>', 'utf8 (default), latin1 (Windows-1252) or utf16 (default when the file has its BOM)')
    .option('--no-cache', 'read the export even if this exact file was read before')
    .option(
      '--then-pqa',
      'then, if the sync wrote without error, run gtm pqa sync on the same store or org as of the same time (exp-001)'
    )
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, flags: SyncFlags) => {
      const out = createOutput(Boolean(flags.json));
      if (flags.targetOrg && (flags.store || flags.createAccounts)) {
        throw new UsageError(
          '--store and --create-accounts are for the local store; they cannot be used with --target-org'
        );
      }
      // two summaries are not one JSON document; a dry run wrote no snapshots for the qualification to judge
      if (flags.thenPqa && flags.json)
        throw new UsageError('--then-pqa prints two summaries: without --json, or run gtm pqa sync --json after');
      if (flags.thenPqa && flags.dryRun)
        throw new UsageError('--then-pqa needs the snapshots written: it cannot be used with --dry-run');
      const encoding = parseEncoding(flags.encoding);
      detectFormat(file, encoding); // a missing or unreadable export stops before any store or org is touched
      // an org is connected to now (its policy decides the run); the local store is opened once the export is read
      const org = flags.targetOrg ? await openSink(flags, out) : undefined;
      const local = org ? undefined : deferredLocalSink(flags);
      const policy = org?.policy ?? loadPolicyFile();
      const options = {
        input: file,
        asOfMs: parseAsOf(flags.asOf),
        dryRun: Boolean(flags.dryRun),
        maxRejectRate: parseRate(flags.maxRejectRate, policy.number('Usage_Max_Reject_Rate')),
        exportDir: flags.export,
        forceLive: flags.forceLive,
        cacheDir: flags.cache === false ? undefined : DEFAULT_CACHE_DIR,
        encoding
      };
      let chainPqa = false;
      try {
        const result = await runUsageSync(options, policy, org?.sink ?? local!, (m) => out.progress(m));
        out.done();
        const sink = org?.sink ?? local!.opened!;
        const code = reportSyncResult(result, sink, out, await accountLookalikes(result, sink));
        if (code !== 0) process.exitCode = code;
        chainPqa = Boolean(flags.thenPqa) && code === 0;
        if (flags.thenPqa && code !== 0) out.info('gtm pqa sync not run: the usage sync did not finish cleanly');
      } finally {
        out.done();
        await (org?.sink ?? local!.opened)?.close();
      }
      if (chainPqa) {
        out.info('');
        out.info('exp-001: gtm pqa sync');
        await pqaSync(
          { asOf: new Date(options.asOfMs).toISOString(), store: flags.store, targetOrg: flags.targetOrg },
          out
        );
      }
    });

  usage
    .command('backtest')
    .description(
      'label each trigger whose outcome window has closed and report the false-positive rate (exp-005 week-6 QA)'
    )
    .option('-o, --target-org <alias>', 'label the triggers stored in this org (default: the local store)')
    .option(
      '--store <path>',
      `local store file (default ${path.relative(process.cwd(), DEFAULT_STORE) || DEFAULT_STORE})`
    )
    .option(
      '--outcomes <file>',
      'account_id,outcome_date CSV of expansion outcomes (default: expansion Opportunities in the store)'
    )
    .option('--as-of <when>', 'judge outcome windows closed as of this date or instant (default: now)')
    .option('--dry-run', 'report without writing the labels')
    .option('--allow-empty-outcomes', 'label although the outcome source holds no outcome (all closed triggers false)')
    .option('--encoding <name>', 'of --outcomes: utf8 (default), latin1 (Windows-1252) or utf16 (read by its BOM)')
    .option('--json', 'print the report as JSON')
    .action(
      async (flags: {
        store?: string;
        targetOrg?: string;
        outcomes?: string;
        asOf?: string;
        dryRun?: boolean;
        allowEmptyOutcomes?: boolean;
        encoding?: string;
        json?: boolean;
      }) => {
        const out = createOutput(Boolean(flags.json));
        if (flags.targetOrg && flags.store)
          throw new UsageError('--store is for the local store; it cannot be used with --target-org');
        // the encoding message of a Latin-1 outcomes file says to pass --encoding latin1: the option must exist
        const outcomesEncoding = parseEncoding(flags.encoding);
        if (outcomesEncoding && !flags.outcomes) throw new UsageError('--encoding is for the --outcomes file');
        const storeFile = path.resolve(flags.store ?? DEFAULT_STORE);
        // before: "no expansion outcomes" (or a report of 0 triggers) when the store was simply not there
        if (!flags.targetOrg && !fs.existsSync(storeFile))
          throw new InputError(`no local store at ${storeFile}: nothing to backtest`, {
            details: [
              'run `gtm usage sync <export>` first (it makes the store and its triggers)',
              flags.store ? 'or check the --store path' : 'or pass --store <path> to the store a sync made'
            ]
          });
        const { sink, policy } = await openSink(flags, out);
        try {
          const r = await runBacktest(sink, policy, {
            asOfMs: parseAsOf(flags.asOf),
            outcomesFile: flags.outcomes,
            outcomesEncoding,
            dryRun: Boolean(flags.dryRun),
            allowEmptyOutcomes: Boolean(flags.allowEmptyOutcomes)
          });
          const rep = r.report;
          out.result({
            ...rep,
            decisions: r.decisions,
            outcomesFrom: r.outcomesFrom,
            outcomes: r.outcomes,
            unmatchedOutcomes: r.unmatchedOutcomes,
            labelChanges: r.labelChanges,
            labelsWritten: r.writes.written,
            labelsFailed: r.writes.failed
          });
          const pct = (x: number | null | undefined) =>
            x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`;
          out.info(
            `Backtest of exp-005 triggers as of ${rep.asOf}; outcomes from ${r.outcomesFrom}; window ${rep.windowDays} days\n`
          );
          out.info(
            table(
              [
                ['triggers', rep.triggers],
                ['  window still open', rep.pending],
                ['  labelled (n)', rep.n],
                ['  true positives', rep.truePositives],
                ['  false positives', rep.falsePositives],
                ['false-positive rate', pct(rep.falsePositiveRate)],
                ['Wilson 95% interval', rep.wilson95 ? `${pct(rep.wilson95.low)} .. ${pct(rep.wilson95.high)}` : '-'],
                ['target', `< ${pct(rep.target.maxRate)} with n >= ${rep.target.minSample}`]
              ],
              ['', 'value']
            )
          );
          const d = r.decisions;
          if (d.accepted + d.dismissed > 0) {
            out.info(
              `\nDecided by CS Ops on the labelled triggers: ${d.accepted} accepted (${d.acceptedTruePositives} ` +
                `followed by an expansion), ${d.dismissed} dismissed (${d.dismissedFalsePositives} were false positives)`
            );
            if (d.reasons.length)
              out.info(
                table(
                  d.reasons.map((x) => [x.reason, x.count, x.falsePositives]),
                  ['dismissal reason', 'triggers', 'false positives']
                )
              );
          }
          const down = r.labelChanges.downgraded;
          if (down.length) {
            // a label turned from True to False Positive is said, never silent
            out.info(
              `\n${down.length} ${down.length === 1 ? 'label' : 'labels'} ${flags.dryRun ? 'would change' : 'changed'} from True Positive to False Positive (the outcomes no longer show an expansion in the window):`
            );
            for (const x of down.slice(0, 10)) out.info(`  ${x.accountKey} ${x.isoWeek} (${x.key})`);
            if (down.length > 10) out.info(`  ... and ${down.length - 10} more (labelChanges in --json)`);
          }
          if (r.labelChanges.upgraded)
            out.info(`${r.labelChanges.upgraded} labels changed from False Positive to True Positive`);
          const u = r.unmatchedOutcomes;
          if (u.count) {
            // before: outcomes of accounts without a trigger were dropped without a word
            const names =
              u.keys.map((k) => `"${k}"`).join(', ') + (u.accountsWithoutTrigger > u.keys.length ? ', ...' : '');
            out.info(
              `\n${u.count} of ${r.outcomes} outcomes fall in no trigger's outcome window: expansions the rule did not announce, which the false-positive rate does not count` +
                (u.accountsWithoutTrigger
                  ? `; ${plural(u.accountsWithoutTrigger, 'account')} never fired a trigger (${names})`
                  : '')
            );
          }
          out.info(`\n${rep.met ? 'MET' : 'NOT MET'}: ${rep.verdict}`);
          if (flags.dryRun) out.info('(dry run: labels were not written)');
        } finally {
          await sink.close();
        }
      }
    );
}
