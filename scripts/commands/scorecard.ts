/**
 * `gtm scorecard`: the day-90 KPI scorecard. `report` renders the board report at an as-of date (KPI tiles with
 * trends, portfolio with decisions and sign-offs, trust and safety, definitions, next-quarter bets) as Markdown,
 * HTML, PDF, CSV or JSON; the same store and as-of give byte-identical output with its content hash in the footer.
 * `snapshot` writes the weekly GTM_KPI_Snapshot__c rows (idempotent; published ones immutable, corrections written as
 * restatements); `changes` explains each KPI's move between two snapshots with record ids. `snapshot --target-org`
 * computes over the org's records (scripts/org) and upserts the snapshots there.
 */
import * as fs from 'node:fs';
import { Command } from 'commander';
import { createOutput } from '../cli/output';
import { describeFsError, InputError, UsageError } from '../lib/errors';
import { loadPolicyFile } from '../policy/policy';
import { isoSeconds } from '../rules/routingRule';
import { buildScorecard } from '../cockpit/scorecard';
import { REPORT_FORMATS, renderReport, writeReportPdf, type ReportFormat } from '../cockpit/scorecardReport';
import { whatChanged } from '../cockpit/snapshot';
import { loadSnapshots, snapshot } from '../cockpit/snapshotStore';
import { openOrg, refuseStoreWithOrg, reportOrgWrite } from '../org/orgCommand';
import { rolloutAuditInOrg, scorecardSnapshotInOrg } from '../org/orgRuns';
import type { RolloutAudit } from '../cockpit/rolloutAudit';
import { auditMarkdown, loadAuditInput, rolloutAudit, writeAudit } from '../cockpit/rolloutAudit';
import { writeExportFiles } from '../lib/exportFiles';
import { openExistingStore } from './pqa';
import { parseAsOf } from './usage';

interface ReportFlags {
  asOf?: string;
  format?: string;
  output?: string;
  store?: string;
}

interface AuditFlags {
  asOf?: string;
  dryRun?: boolean;
  export?: string;
  store?: string;
  targetOrg?: string;
  json?: boolean;
}

interface SnapshotFlags {
  asOf?: string;
  publish?: boolean;
  dryRun?: boolean;
  store?: string;
  targetOrg?: string;
  json?: boolean;
}

export function registerScorecardCommand(program: Command): void {
  const scorecard = program
    .command('scorecard')
    .description('the day-90 KPI scorecard and board report (program cockpit)');
  scorecard
    .command('report')
    .description(
      'the board report at an as-of date: five KPI tiles with trends, the portfolio with decisions, trust and safety, definitions, next-quarter bets'
    )
    .option('--as-of <date>', 'report as of this date (default: now); the same as-of gives the same bytes')
    .option('--format <format>', `${REPORT_FORMATS.join(', ')} (default md)`)
    .option('--output <file>', 'write the report there (needed for pdf; the others print to stdout without it)')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .action(async (flags: ReportFlags) => {
      const format = (flags.format ?? 'md') as ReportFormat;
      if (!REPORT_FORMATS.includes(format))
        throw new UsageError(`--format ${flags.format}: expected one of ${REPORT_FORMATS.join(', ')}`);
      if (format === 'pdf' && !flags.output) throw new UsageError('--format pdf needs --output <file.pdf>');
      const asOf = isoSeconds(parseAsOf(flags.asOf));
      const policy = loadPolicyFile();
      const store = await openExistingStore(flags.store);
      let text: string;
      try {
        // the board report carries the rollout audit at the same as-of (phase 3)
        const audit = rolloutAudit(await loadAuditInput(store, asOf), policy, asOf);
        text = renderReport({ ...(await buildScorecard(store, policy, asOf)), rolloutAudit: audit }, format);
      } finally {
        await store.close();
      }
      const out = createOutput(false);
      if (format === 'pdf') {
        await writeReportPdf(text, asOf, flags.output!);
        process.stderr.write(`wrote ${flags.output}\n`);
      } else if (flags.output) {
        try {
          fs.writeFileSync(flags.output, text);
        } catch (err) {
          throw new InputError(`--output ${flags.output}: cannot write: ${describeFsError(err)}`);
        }
        process.stderr.write(`wrote ${flags.output}\n`);
      } else out.info(text.trimEnd());
    });
  scorecard
    .command('audit')
    .description(
      'the rollout audit at an as-of date: data quality, handoff reliability and support burden, each with n, its policy threshold and pass / attention / fail with the reason; stored as GTM_Rollout_Audit__c'
    )
    .option('--as-of <date>', 'judge as of this date or ISO instant (default: now)')
    .option('--dry-run', 'print the audit, store nothing')
    .option('--export <dir>', 'write rollout_audit.json, sections.csv and source_weeks.csv there')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option('-o, --target-org <alias>', "judge the org's records and store the audit there (default: the local store)")
    .option('--json', 'the audit as JSON on stdout')
    .action(async (flags: AuditFlags) => {
      const asOf = isoSeconds(parseAsOf(flags.asOf));
      const out = createOutput(Boolean(flags.json));
      refuseStoreWithOrg(flags);
      const exportAudit = (audit: RolloutAudit) => {
        if (flags.export)
          writeExportFiles(flags.export, {
            'rollout_audit.json': audit,
            'sections.csv': [
              ['section', 'status', 'n', 'reason'],
              ...audit.sections.map((s) => [s.key, s.status, String(s.n), s.reason])
            ],
            'source_weeks.csv': [
              ['kind', 'source', 'iso_week', 'runs', 'rows_read', 'rows_rejected', 'write_failures', 'reasons'],
              ...audit.sections[0].bySourceWeek.map((w) => [
                w.kind,
                w.source,
                w.week,
                String(w.runs),
                String(w.read),
                String(w.rejected),
                String(w.failures),
                w.reasons.map((r) => `${r.reason}: ${r.rows}`).join('; ')
              ])
            ]
          });
      };
      if (flags.targetOrg) {
        const { org, policy } = await openOrg(flags.targetOrg, out);
        const run = await rolloutAuditInOrg(org, flags.targetOrg, policy, asOf, {
          dryRun: flags.dryRun,
          onProgress: (m) => out.progress(m)
        });
        out.done();
        exportAudit(run.value);
        out.result({
          dry_run: Boolean(flags.dryRun),
          target_org: flags.targetOrg,
          read: run.read,
          api_requests: run.apiRequests,
          ...run.value,
          written: run.written.length,
          failed: run.failed
        });
        out.info(auditMarkdown(run.value).join('\n').trimEnd());
        process.exitCode = reportOrgWrite(run, flags.targetOrg, Boolean(flags.dryRun), out);
        return;
      }
      const policy = loadPolicyFile();
      const store = await openExistingStore(flags.store);
      try {
        const audit = rolloutAudit(await loadAuditInput(store, asOf), policy, asOf);
        exportAudit(audit);
        const failed = flags.dryRun ? null : await writeAudit(store, audit);
        if (failed) throw new InputError(`could not store the rollout audit: ${failed}`);
        out.result({ dry_run: Boolean(flags.dryRun), ...audit });
        out.info(`${flags.dryRun ? 'Dry run (nothing stored): ' : ''}rollout audit as of ${asOf.slice(0, 10)}\n`);
        out.info(auditMarkdown(audit).join('\n').trimEnd());
      } finally {
        await store.close();
      }
    });
  scorecard
    .command('snapshot')
    .description(
      'write each KPI at the as-of date as GTM_KPI_Snapshot__c (key KPI|date); a published snapshot is never changed: a different result is a restatement row'
    )
    .option('--as-of <date>', 'the snapshot date (default: now)')
    .option('--publish', 'mark the snapshots published (immutable from then on)')
    .option('--dry-run', 'print what would be written, write nothing')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option(
      '-o, --target-org <alias>',
      "compute over this org's records and upsert the snapshots there (default: the local store)"
    )
    .option('--json', 'the plan as JSON on stdout')
    .action(async (flags: SnapshotFlags) => {
      const asOf = isoSeconds(parseAsOf(flags.asOf));
      const out = createOutput(Boolean(flags.json));
      refuseStoreWithOrg(flags);
      if (flags.targetOrg) {
        const { org, policy } = await openOrg(flags.targetOrg, out);
        const run = await scorecardSnapshotInOrg(org, flags.targetOrg, policy, asOf, {
          publish: flags.publish,
          dryRun: flags.dryRun,
          onProgress: (m) => out.progress(m)
        });
        out.done();
        out.result({
          as_of: asOf,
          dry_run: Boolean(flags.dryRun),
          target_org: flags.targetOrg,
          read: run.read,
          api_requests: run.apiRequests,
          ...run.value,
          written: run.written.length,
          failed: run.failed
        });
        process.exitCode = reportOrgWrite(run, flags.targetOrg, Boolean(flags.dryRun), out);
        return;
      }
      const store = await openExistingStore(flags.store);
      try {
        const plan = await snapshot(store, loadPolicyFile(), asOf, { publish: flags.publish, dryRun: flags.dryRun });
        out.result({ as_of: asOf, dry_run: Boolean(flags.dryRun), ...plan });
        out.info(
          `${flags.dryRun ? 'Dry run (nothing written): ' : ''}${plan.write.length} snapshot row(s) written, ${plan.unchanged.length} unchanged as of ${asOf.slice(0, 10)}`
        );
        for (const r of plan.write)
          out.info(
            `  ${r.Snapshot_Key__c}: ${r.Value__c ?? 'n/a'} (n ${r.N__c}, ${r.Status__c})${r.Published__c ? ', published' : ''}`
          );
        for (const r of plan.write.filter((w) => w.Restated_From__c))
          out.info(`  restatement ${r.Snapshot_Key__c}: ${r.Restated_From__c}`);
      } finally {
        await store.close();
      }
    });
  scorecard
    .command('changes')
    .description(
      'what moved each KPI between two snapshots: new entrants, windows that closed, restatements, reclassified records (with ids)'
    )
    .requiredOption('--from <date>', 'the earlier snapshot date')
    .requiredOption('--to <date>', 'the later snapshot date')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option('--json', 'the changes as JSON on stdout')
    .action(async (flags: { from: string; to: string; store?: string; json?: boolean }) => {
      const from = isoSeconds(parseAsOf(flags.from, Date.now(), '--from')).slice(0, 10);
      const to = isoSeconds(parseAsOf(flags.to, Date.now(), '--to')).slice(0, 10);
      if (from >= to) throw new UsageError(`--from ${from} must be before --to ${to}`);
      const out = createOutput(Boolean(flags.json));
      const store = await openExistingStore(flags.store);
      let stored;
      try {
        stored = await loadSnapshots(store);
      } finally {
        await store.close();
      }
      const latest = (kpi: string, day: string) => {
        let n = 0;
        while (stored.has(`${kpi}|${day}|restated-${n + 1}`)) n++;
        return stored.get(n ? `${kpi}|${day}|restated-${n}` : `${kpi}|${day}`);
      };
      const kpis = [...new Set([...stored.values()].map((r) => r.KPI_Key__c))].sort();
      const changes = [];
      for (const kpi of kpis) {
        const a = latest(kpi, from);
        const b = latest(kpi, to);
        if (!a || !b)
          throw new UsageError(
            `no ${kpi} snapshot on ${!a ? from : to}: run gtm scorecard snapshot --as-of ${!a ? from : to}`
          );
        changes.push(whatChanged(a, b));
      }
      out.result({ from, to, changes });
      for (const c of changes) {
        out.info(
          `${c.kpi}: ${c.from.value ?? 'n/a'} (n ${c.from.n}) -> ${c.to.value ?? 'n/a'} (n ${c.to.n})${c.definitionChanged ? ' [definition changed]' : ''}`
        );
        for (const [label, ids] of [
          ['new entrants', c.newEntrants],
          ['windows closed', c.windowsClosed],
          ['restatements', c.restatements],
          ['reclassified', c.reclassified]
        ] as const)
          if (ids.length)
            out.info(`  ${label} (${ids.length}): ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''}`);
      }
    });
}
