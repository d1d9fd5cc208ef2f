import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { createOutput, table, type Output } from '../cli/output';
import { InputError, UsageError, ValidationError } from '../lib/errors';
import { writeExportFiles } from '../lib/exportFiles';
import { plural } from '../lib/text';
import { REPO_ROOT } from '../lib/paths';
import { loadSchema } from '../metadata/schema';
import { loadPolicyFile, type Policy } from '../policy/policy';
import { createLocalSink } from '../store/localSink';
import { DEFAULT_STORE, LocalStore } from '../store/localStore';
import type { UsageSink } from '../usage/sink';
import { checkExportDir } from '../usage/sync';
import { DOCS_FILE, renderDocs } from '../events/docs';
import { observeEventFile } from '../events/observe';
import { compilePlan, loadPlan } from '../events/plan';
import { EVENT_EXPORT_FILES, knownAccounts, runEventSync } from '../events/sync';
import { validateEventFile, VIOLATION_HEADER, violationLines } from '../events/validate';
import { openSink, parseAsOf, parseEncoding, parseRate } from './usage';

interface SinkFlags {
  targetOrg?: string;
  store?: string;
}

const MINUTE_NS = 60_000_000_000n;
const RATE = '--max-violation-rate';

/**
 * The sink and policy of a command: the org (its policy) with --target-org, else the local store. `missing` says
 * what to do when the store file does not exist yet: read an empty store that is not kept, use none, or refuse
 * (a sync: events attach to Accounts, so a new store could only quarantine every row, and left an empty file).
 */
async function eventSink(
  flags: SinkFlags & { dryRun?: boolean },
  out: Output,
  missing: 'memory' | 'none' | 'refuse'
): Promise<{ sink?: UsageSink; policy: Policy }> {
  if (flags.targetOrg) {
    if (flags.store) throw new UsageError('--store is for the local store; it cannot be used with --target-org');
    return openSink(flags, out);
  }
  const file = path.resolve(flags.store ?? DEFAULT_STORE);
  const policy = loadPolicyFile();
  if (!fs.existsSync(file) && missing === 'none') return { policy };
  if (!fs.existsSync(file) && missing === 'refuse')
    throw new InputError(`no local store at ${file}: events attach to Accounts by Usage_Account_Key__c`, {
      details: ['run gtm usage sync --create-accounts first (npm start for the sample world), or pass --store']
    });
  const store = await LocalStore.open(!fs.existsSync(file) && missing === 'memory' ? ':memory:' : file, loadSchema(), {
    readOnly: flags.dryRun
  });
  return { sink: createLocalSink(store), policy };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function registerEventsCommand(program: Command): void {
  const events = program
    .command('events')
    .description('funnel events against the tracking plan (tracking-plan/): validate, sync, observe, docs');

  events
    .command('validate')
    .description('judge every row of an event file (JSON Lines or CSV) against the tracking plan')
    .argument('<file>', 'events: .jsonl (one JSON object a line) or .csv (envelope columns, properties as JSON)')
    .option('-o, --target-org <alias>', 'judge account keys against this org (default: the local store, if any)')
    .option('--store <path>', 'local store whose accounts are known (default .gtm/store.duckdb)')
    .option('--max-violation-rate <rate>', 'fail above this share of violating rows (default: policy, 1%)')
    .option('--as-of <when>', 'judge events without received_at against this instant (default: now)')
    .option('--export <dir>', 'write violations.csv and summary.json there')
    .option('--encoding <name>', 'utf8 (default), latin1 or utf16')
    .option('--json', 'print the summary and violations as JSON')
    .action(
      async (
        file: string,
        flags: SinkFlags & {
          maxViolationRate?: string;
          asOf?: string;
          export?: string;
          encoding?: string;
          json?: boolean;
        }
      ) => {
        const out = createOutput(Boolean(flags.json));
        const encoding = parseEncoding(flags.encoding);
        const asOfMs = parseAsOf(flags.asOf);
        if (flags.export) checkExportDir(flags.export);
        const rate = flags.maxViolationRate === undefined ? undefined : parseRate(flags.maxViolationRate, 0, RATE);
        const compiled = compilePlan(loadPlan());
        const { sink, policy } = await eventSink(flags, out, 'none');
        const maxRate = rate ?? policy.number('Events_Max_Violation_Rate');
        let accounts: Set<string> | undefined;
        try {
          accounts = sink ? await knownAccounts(sink) : undefined;
        } finally {
          await sink?.close();
        }
        const r = await validateEventFile(file, compiled, {
          accounts,
          asOfNs: BigInt(asOfMs) * 1_000_000n,
          toleranceNs: BigInt(policy.number('Events_Future_Tolerance_Minutes')) * MINUTE_NS,
          maxViolationRate: maxRate,
          encoding
        });
        const s = r.summary;
        if (flags.export)
          writeExportFiles(flags.export, {
            'violations.csv': [VIOLATION_HEADER, ...violationLines(r.violating)],
            'summary.json': s
          });
        out.result({
          ...s,
          violations: r.violating.map((x) => ({ line: x.line, event_id: x.event?.event_id, violations: x.violations }))
        });
        out.info(
          `${s.input} (${s.format}): ${plural(s.rows, 'row')}, ${s.valid} valid, ${s.violating} violating (${pct(s.violation_rate)})`
        );
        if (!s.accounts_checked)
          out.info('account keys not checked: no local store yet (pass --store or --target-org)');
        const types = Object.entries(s.by_type);
        if (types.length)
          out.info(
            `\n${table(
              types.map(([t, n]) => [t, n ?? 0]),
              ['violation', 'count']
            )}\n`
          );
        for (const x of r.violating.slice(0, 10))
          for (const v of x.violations)
            out.info(`line ${x.line}: ${v.type} ${v.instancePath || '/'}: ${v.message} [${v.schemaPath}]`);
        if (r.violating.length > 10)
          out.info(`... and ${r.violating.length - 10} more rows (--export writes violations.csv)`);
        if (s.over_limit)
          throw new ValidationError(
            `${pct(s.violation_rate)} of the rows violate the tracking plan, above the limit of ${pct(maxRate)}`,
            { details: ['fix the sender, or raise --max-violation-rate if these rows are expected'] }
          );
      }
    );

  events
    .command('sync')
    .description('upsert the valid events to the mapped objects by event id; quarantine the rest')
    .argument('<file>', 'events: .jsonl or .csv')
    .option(
      '-o, --target-org <alias>',
      'write to this org through Bulk API 2.0, with the sf CLI auth (default: the local store)'
    )
    .option('--store <path>', 'local store file (default .gtm/store.duckdb)')
    .option('--dry-run', 'read, judge and report; write nothing anywhere')
    .option(
      '--as-of <when>',
      'the time of the run: validate-only periods and events without received_at (default: now)'
    )
    .option(
      '--max-violation-rate <rate>',
      'stop before writing above this share of violating rows (default: policy, 1%)'
    )
    .option('--export <dir>', `write ${EVENT_EXPORT_FILES.join(', ')} there`)
    .option('--encoding <name>', 'utf8 (default), latin1 or utf16')
    .option('--json', 'print the summary as JSON')
    .action(
      async (
        file: string,
        flags: SinkFlags & {
          dryRun?: boolean;
          asOf?: string;
          maxViolationRate?: string;
          export?: string;
          encoding?: string;
          json?: boolean;
        }
      ) => {
        const out = createOutput(Boolean(flags.json));
        const encoding = parseEncoding(flags.encoding);
        const asOfMs = parseAsOf(flags.asOf);
        if (flags.export && !flags.dryRun) checkExportDir(flags.export);
        if (!fs.existsSync(file)) throw new InputError(`cannot read ${file}: no such file`);
        const rate = flags.maxViolationRate === undefined ? undefined : parseRate(flags.maxViolationRate, 0, RATE);
        const compiled = compilePlan(loadPlan());
        const { sink, policy } = await eventSink(flags, out, flags.dryRun ? 'memory' : 'refuse');
        try {
          const maxRate = rate ?? policy.number('Events_Max_Violation_Rate');
          const r = await runEventSync(
            {
              input: file,
              asOfMs,
              dryRun: Boolean(flags.dryRun),
              maxViolationRate: maxRate,
              exportDir: flags.export,
              encoding
            },
            compiled,
            policy,
            sink!,
            (m) => out.progress(m)
          );
          out.done();
          const s = r.summary;
          out.result(s);
          out.info(`${s.dry_run ? 'Dry run (nothing written): ' : ''}${s.input} -> ${s.sink}, as of ${s.as_of}\n`);
          out.info(
            table(
              [
                ['rows', s.rows],
                ['  quarantined (violations)', s.quarantined],
                ['  quarantined (conflicts)', s.conflicts],
                ['  duplicates', s.duplicates],
                ['  held (validate-only source)', s.held_validate_only],
                ['  late (for a complete ISO week)', s.late_events],
                [s.dry_run ? '  would be written' : '  written', s.written],
                ['  unchanged', s.unchanged],
                ['  failed', s.failed]
              ],
              ['', 'count']
            )
          );
          for (const src of s.sources.filter((x) => x.validate_only))
            out.info(`source ${src.source}: validate-only until ${src.writes_from} (${plural(src.rows, 'row')} held)`);
          for (const x of r.restatements.slice(0, 5))
            out.info(
              `restated ${x.iso_week} of ${x.account} ${x.event}: ${x.events_before} -> ${x.events_after} ${x.events_after === 1 ? 'event' : 'events'} (${x.event_ids.join(', ')})`
            );
          if (r.restatements.length > 5)
            out.info(`... and ${r.restatements.length - 5} more restated weeks (--export writes restatements.csv)`);
          for (const x of r.rejects.slice(0, 5)) out.info(`quarantined line ${x.line}: ${x.reason}`);
          if (r.rejects.length > 5) out.info(`... and ${r.rejects.length - 5} more (--export writes rejects.csv)`);
          if (r.failures.length) {
            out.done(`error: ${plural(r.failures.length, 'write')} failed`);
            for (const f of r.failures.slice(0, 3)) out.done(`  ${f.key}: ${f.error}`);
            out.done('  a re-run sends them again');
            process.exitCode = 3;
          }
        } finally {
          out.done();
          await sink?.close();
        }
      }
    );

  events
    .command('observe')
    .description('per event and property: planned / live / unexpected, counts, first and last seen, share of nulls')
    .argument('<file>', 'events: .jsonl or .csv')
    .option('--encoding <name>', 'utf8 (default), latin1 or utf16')
    .option('--json', 'print the observation as JSON')
    .action(async (file: string, flags: { encoding?: string; json?: boolean }) => {
      const out = createOutput(Boolean(flags.json));
      const o = await observeEventFile(file, loadPlan(), parseEncoding(flags.encoding));
      out.result(o);
      out.info(`${o.input}: ${plural(o.rows, 'row')}${o.unreadable ? `, ${o.unreadable} unreadable` : ''}\n`);
      const rows: (string | number)[][] = [];
      for (const e of o.events) {
        rows.push([e.event, '', e.status, e.count, e.first_seen ?? '', e.last_seen ?? '', '']);
        for (const p of e.properties)
          rows.push(['', p.property, p.status, p.count, '', '', p.null_share === null ? '-' : pct(p.null_share)]);
      }
      out.info(table(rows, ['event', 'property', 'status', 'count', 'first seen', 'last seen', 'null']));
    });

  events
    .command('docs')
    .description(`write the data dictionary (${DOCS_FILE}) from the tracking plan`)
    .option('--check', 'fail when the checked-in file is not what the plan generates')
    .action((flags: { check?: boolean }) => {
      const out = createOutput(false);
      const file = path.join(REPO_ROOT, DOCS_FILE);
      const text = renderDocs(loadPlan());
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
      if (flags.check) {
        if (current !== text) throw new ValidationError(`${DOCS_FILE} is not current; run: npx gtm events docs`);
        out.info(`${DOCS_FILE} is current`);
        return;
      }
      if (current === text) {
        out.info(`${DOCS_FILE} already matches the plan`);
        return;
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      out.info(`wrote ${DOCS_FILE}`);
    });
}
