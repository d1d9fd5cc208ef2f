/**
 * `gtm readout`: the program's experiment readouts. `build` judges every experiment whose protocol is locked
 * (data/experiment-protocols.csv) at one as-of date and writes GTM_Experiment_Readout__c records keyed
 * experiment|as-of into the local store, with the registry's experiments and their locked protocols; the same store
 * and as-of give the same readouts, and a published readout is never rewritten. `build --target-org` judges over the
 * org's records (scripts/org) and upserts there: the experiments' locked protocols first, then the readouts.
 */
import { Command } from 'commander';
import { createOutput, table } from '../cli/output';
import { loadPolicyFile } from '../policy/policy';
import { isoSeconds } from '../rules/routingRule';
import { buildReadouts, writeReadouts, type BuildResult, type WriteResult } from '../cockpit/readoutStore';
import { buildMonthly, monthEnds, MONTHLY_FORMATS, renderMonthly, type MonthlyFormat } from '../cockpit/monthly';
import { writeReportPdf } from '../cockpit/scorecardReport';
import * as fs from 'node:fs';
import { describeFsError, InputError, UsageError } from '../lib/errors';
import type { ExperimentReadout } from '../cockpit/readout';
import { openOrg, refuseStoreWithOrg, reportOrgWrite } from '../org/orgCommand';
import { readoutBuildInOrg } from '../org/orgRuns';
import { openExistingStore } from './pqa';
import { parseAsOf } from './usage';

const fmt = (x: number | null, digits = 3) => (x === null ? '-' : x.toFixed(digits));

function estimateText(r: ExperimentReadout): string {
  const e = r.estimate;
  const rel = e.relativeImprovement === null ? 'n/a' : `${(e.relativeImprovement * 100).toFixed(1)}%`;
  return `${fmt(e.treatment)} vs ${fmt(e.control)} (${rel})`;
}

export function registerReadoutCommand(program: Command): void {
  const readout = program
    .command('readout')
    .description('experiment readouts with keep / hold / kill recommendations (program cockpit)');
  readout
    .command('build')
    .description(
      'judge every locked experiment at an as-of date: arms, estimate, guardrails, validity, the recommendation and the rules that fired'
    )
    .option('--as-of <date>', 'judge as of this date or ISO instant (default: now); the key is experiment|date')
    .option('--dry-run', 'print the readouts, write nothing')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option(
      '-o, --target-org <alias>',
      "judge over this org's records and upsert there: the locked protocols onto the experiments, then the readouts (default: the local store)"
    )
    .option('--json', 'the readouts as JSON on stdout')
    .action(async (flags: { asOf?: string; dryRun?: boolean; store?: string; targetOrg?: string; json?: boolean }) => {
      const asOf = isoSeconds(parseAsOf(flags.asOf));
      const out = createOutput(Boolean(flags.json));
      refuseStoreWithOrg(flags);
      let store: Awaited<ReturnType<typeof openExistingStore>> | undefined;
      let report: (() => number) | undefined;
      try {
        let built: BuildResult;
        let written: WriteResult | null;
        if (flags.targetOrg) {
          const { org, policy } = await openOrg(flags.targetOrg, out);
          const run = await readoutBuildInOrg(org, flags.targetOrg, policy, asOf, {
            dryRun: flags.dryRun,
            onProgress: (m) => out.progress(m)
          });
          out.done();
          const { plan, ...rest } = run.value;
          built = rest;
          written = flags.dryRun ? null : plan;
          out.result({
            as_of: asOf,
            dry_run: Boolean(flags.dryRun),
            target_org: flags.targetOrg,
            read: run.read,
            api_requests: run.apiRequests,
            ...built,
            written,
            org_written: run.written.length,
            failed: run.failed
          });
          const alias = flags.targetOrg;
          report = () => reportOrgWrite(run, alias, Boolean(flags.dryRun), out);
        } else {
          const policy = loadPolicyFile();
          store = await openExistingStore(flags.store);
          built = await buildReadouts(store, policy, asOf);
          written = flags.dryRun ? null : await writeReadouts(store, policy, built.readouts);
          out.result({ as_of: asOf, dry_run: Boolean(flags.dryRun), ...built, written });
        }
        out.info(
          `${flags.dryRun ? 'Dry run (nothing written): ' : ''}${built.readouts.length} readout(s) as of ${asOf}\n`
        );
        out.info(
          table(
            built.readouts.map((r) => [
              r.experiment,
              r.designLabel,
              r.arms.map((a) => a.n).join(' / '),
              r.validity.minSamplePerArm,
              estimateText(r),
              r.recommendation,
              r.fired[0]!.text
            ]),
            [
              'experiment',
              'design',
              'n (T / C)',
              'min/arm',
              'estimate (T vs C, improvement)',
              'recommendation',
              'first rule'
            ]
          )
        );
        for (const s of built.skipped) out.info(`${s.experiment}: no readout (${s.reason})`);
        if (built.lowSignal.length) {
          out.info(
            '\nLow-signal list (projected n at the decision date against the minimum per arm; kill candidates first):'
          );
          out.info(
            table(
              built.lowSignal.map((l) => [
                l.experiment,
                l.currentN,
                l.decisionDate,
                l.projectedN,
                l.minSamplePerArm,
                l.cannotReach ? `cannot reach sample (${l.shortfall} short)` : 'on track'
              ]),
              ['experiment', 'n now', 'decision date', 'projected n', 'min/arm', 'verdict']
            )
          );
        }
        if (written)
          out.info(
            `\nwritten ${written.written.length}, unchanged ${written.unchanged.length}` +
              (written.keptPublished.length
                ? `; published, kept as published (not rewritten): ${written.keptPublished.join(', ')}`
                : '')
          );
        if (report) process.exitCode = report();
      } finally {
        await store?.close();
      }
    });
  readout
    .command('monthly')
    .description(
      "the month's executive readout: portfolio, one section per experiment, changes since last month, the low-signal list, decisions needed"
    )
    .requiredOption('--month <YYYY-MM>', 'the month; judged as of its last day (e.g. 2026-04: 2026-04-30)')
    .option('--format <format>', `${MONTHLY_FORMATS.join(', ')} (default md)`)
    .option('--output <file>', 'write it there instead of stdout (needed for pdf)')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .action(async (flags: { month: string; format?: string; output?: string; store?: string }) => {
      const format = (flags.format ?? 'md') as MonthlyFormat;
      if (!MONTHLY_FORMATS.includes(format))
        throw new UsageError(`--format ${flags.format}: expected one of ${MONTHLY_FORMATS.join(', ')}`);
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(flags.month))
        throw new UsageError(`--month ${flags.month} is not a month written YYYY-MM (e.g. 2026-04)`);
      if (format === 'pdf' && !flags.output) throw new UsageError('--format pdf needs --output <file.pdf>');
      const policy = loadPolicyFile();
      const store = await openExistingStore(flags.store);
      let text: string;
      try {
        text = renderMonthly(await buildMonthly(store, policy, flags.month), format);
      } finally {
        await store.close();
      }
      if (format === 'pdf') {
        // printed from the HTML as the board report is, dated the month's last day so reruns match
        await writeReportPdf(text, monthEnds(flags.month).asOf, flags.output!);
        process.stderr.write(`wrote ${flags.output}\n`);
      } else if (flags.output) {
        try {
          fs.writeFileSync(flags.output, text);
        } catch (err) {
          throw new InputError(`--output ${flags.output}: cannot write: ${describeFsError(err)}`);
        }
        process.stderr.write(`wrote ${flags.output}\n`);
      } else process.stdout.write(text);
    });
}
