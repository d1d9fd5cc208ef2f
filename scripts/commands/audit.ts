/**
 * `gtm audit`: exp-006 hallucination audits. `ingest` stores an eval run file on a deal and updates its gate;
 * `gate` is the same rule in the vendor's CI (exit 0 on Passed, 100 otherwise); `evidence` writes the one-page
 * AI-quality sheet for security and procurement.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { createOutput, table, type Output } from '../cli/output';
import { UsageError } from '../lib/errors';
import { plural } from '../lib/text';
import { loadPolicyFile, type Policy } from '../policy/policy';
import { isIsoDate } from '../metadata/recordCheck';
import {
  AUDIT_FORMATS,
  ingestAudit,
  readAuditFile,
  runInstant,
  whyNotRunTime,
  type AuditFormat,
  type IngestResult
} from '../audit/ingest';
import { verdictText } from '../audit/dealGate';
import {
  parseHumanVerdict,
  readVerdictCsv,
  reviewCases,
  verdictWord,
  type ReviewResult,
  type VerdictChange
} from '../audit/review';
import * as os from 'node:os';
import { displayPath } from '../lib/paths';
import { gatherEvidence, renderHtml, renderMarkdown, writePdf } from '../audit/evidence';
import * as fs from 'node:fs';
import { judgeHallucinationGate, percentText, type HallucinationGateResult } from '../rules/hallucinationGateRule';
import { policyFromValues } from '../rules/ruleSupport';
import { DEFAULT_STORE } from '../store/localStore';
import { openExistingStore } from './pqa';
import { openSink } from './usage';

/** promptfoo's own exit code for a failed eval: a CI gate reads the same number. */
export const GATE_NOT_PASSED_EXIT = 100;

interface RunFlags {
  format?: string;
  metric?: string;
  model?: string;
  promptVersion?: string;
  runAt?: string;
  asOf?: string;
  json?: boolean;
}

function parseFormat(value: string | undefined): AuditFormat {
  const f = (value ?? 'auto') as AuditFormat;
  if (!AUDIT_FORMATS.includes(f))
    throw new UsageError(`--format ${value}: expected one of ${AUDIT_FORMATS.join(', ')}`);
  return f;
}

export function parseDay(value: string | undefined, option: string): string {
  if (value === undefined) return new Date().toISOString().slice(0, 10);
  if (!isIsoDate(value))
    throw new UsageError(
      /^\d{4}-\d{2}-\d{2}$/.test(value)
        ? `${option} ${value}: there is no such day in the calendar`
        : `${option} ${value}: expected a date written YYYY-MM-DD`
    );
  return value;
}

function parseRunAt(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (runInstant(value) === null) throw new UsageError(`--run-at ${value}: ${whyNotRunTime(value)}`);
  return value;
}

function readOptions(flags: RunFlags) {
  return {
    format: parseFormat(flags.format),
    metric: flags.metric,
    model: flags.model,
    promptVersion: flags.promptVersion,
    runAt: parseRunAt(flags.runAt)
  };
}

function statsLine(r: HallucinationGateResult): string {
  if (r.rate === null) return 'no scored responses';
  return `${r.hallucinated} of ${r.responses} hallucinated: rate ${percentText(r.rate)}, 95% interval ${percentText(r.wilsonLow!)}-${percentText(r.wilsonHigh!)}, one-sided upper bound ${percentText(r.upperBound!)}; ${r.critical} critical; the ${r.basis === 'upper_bound' ? 'strict' : 'point'} gate allows ${r.allowedHallucinations ?? 'none'} at this n`;
}

function printIngest(r: IngestResult, out: Output) {
  const s = r.read.summary;
  out.result({
    status: r.status,
    auditKey: r.auditKey,
    existing: r.existing,
    file: r.read.file,
    sha256: r.read.sha256,
    format: r.read.format,
    run: r.read.run,
    summary: {
      cases: s.cases,
      pass: s.pass,
      hallucinated: s.hallucinated,
      error: s.error,
      responses: s.responses,
      critical: s.critical,
      unstable: s.unstable,
      repeats: s.repeats,
      bySeverity: s.bySeverity,
      byCategory: s.byCategory
    },
    unstable: s.verdicts.filter((c) => c.unstable).map((c) => ({ caseId: c.caseId, repeats: c.repeats })),
    auditGate: r.auditGate,
    dealGate: r.dealGate.result,
    items: r.items,
    replaced: r.replaced ?? null,
    failed: r.failed
  });
  const verb = { written: 'stored', unchanged: 'already stored', 'dry-run': 'dry run: would store' }[r.status];
  out.info(
    `${r.read.format} run ${r.read.run.runId} (${r.read.run.model}, prompt ${r.read.run.promptVersion}) on ${r.dealGate.deal.name}: ${verb}${r.existing ? ` as ${r.existing}; nothing was written` : ''}`
  );
  out.info(
    `  cases ${s.cases} = pass ${s.pass} + hallucinated ${s.hallucinated} + error ${s.error}; ${plural(s.unstable, 'unstable case')}, ${s.critical} critical, ${s.repeats} repeat(s) a case`
  );
  for (const c of s.verdicts.filter((v) => v.unstable).slice(0, 10))
    out.info(
      `  unstable ${c.caseId}: ${c.repeats.map((x, i) => `#${i + 1} ${x.verdict}${x.reason ? ` (${x.reason})` : ''}`).join('; ')}`
    );
  out.info(`  this audit: ${r.auditGate.status}; ${statsLine(r.auditGate)}`);
  out.info(`  deal gate: ${verdictText(r.dealGate.result)}`);
  if (r.status !== 'unchanged')
    out.info(`  items kept: ${r.items} (every failing or unstable case and a sample of passing ones)`);
  if (r.replaced)
    out.info(
      `  replaces the audit stored from ${r.replaced.sha256 ? `file ${r.replaced.sha256.slice(0, 12)}` : 'an unfinished write'} of the same run: its ${plural(r.replaced.itemsKept, 'item')} stay on record, no longer counted or listed, and its human verdicts do not carry over`
    );
  if (r.failed.length) {
    out.info(`  ${plural(r.failed.length, 'write')} failed; run the same command again to finish:`);
    for (const f of r.failed.slice(0, 10)) out.info(`    ${f.key}: ${f.error}`);
  }
}

function printReview(r: ReviewResult, out: Output) {
  out.result({
    status: r.status,
    changes: r.changes,
    audits: r.audits.map(({ gate, ...a }) => ({ ...a, reasons: gate.reasons })),
    dealGate: r.dealGate.result,
    failed: r.failed
  });
  const verb = r.status === 'dry-run' ? 'dry run: would set' : 'set';
  for (const c of r.changes)
    out.info(
      `${c.caseId} (run ${c.runId}): ${c.unchanged ? `already ${verdictWord(c.to)}` : `${verb} ${c.from === null ? `judge ${verdictWord(c.judge)}` : verdictWord(c.from)} -> ${verdictWord(c.to)}`}: ${c.reason}`
    );
  for (const a of r.audits)
    out.info(
      `  audit ${a.runId}: hallucinated ${a.before.hallucinated} -> ${a.after.hallucinated}, critical ${a.before.critical} -> ${a.after.critical} (${plural(a.after.overrides, 'judge verdict')} overturned); gate ${a.before.status ?? '(none)'} -> ${a.after.status}`
    );
  out.info(`  deal gate: ${verdictText(r.dealGate.result)}`);
  if (r.failed.length) {
    out.info(`  ${plural(r.failed.length, 'write')} failed; run the same command again to finish:`);
    for (const f of r.failed.slice(0, 10)) out.info(`    ${f.key}: ${f.error}`);
  }
}

/** The policy the CI gate judges by: the project's, with the command line's overrides checked. */
function gatePolicy(policy: Policy, flags: { maxRate?: string; minSample?: string; basis?: string }) {
  const values: Record<string, string> = {};
  for (const k of [
    'Hallucination_Max_Rate',
    'Hallucination_Min_Sample',
    'Hallucination_Gate_Basis',
    'Hallucination_Audit_Max_Age_Days',
    'Hallucination_Audit_Pool_Days'
  ])
    values[k] = policy.entry(k).value;
  if (flags.maxRate !== undefined) {
    if (!/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/.test(flags.maxRate))
      throw new UsageError(
        `--max-rate ${flags.maxRate}: expected a rate between 0 and 1 with at most 6 decimals, e.g. 0.02`
      );
    values.Hallucination_Max_Rate = flags.maxRate;
  }
  if (flags.minSample !== undefined) {
    if (!/^[1-9]\d{0,8}$/.test(flags.minSample))
      throw new UsageError(`--min-sample ${flags.minSample}: expected a whole number of responses from 1`);
    values.Hallucination_Min_Sample = flags.minSample;
  }
  if (flags.basis !== undefined) {
    if (flags.basis !== 'point' && flags.basis !== 'upper_bound')
      throw new UsageError(`--basis ${flags.basis}: expected point or upper_bound`);
    values.Hallucination_Gate_Basis = flags.basis;
  }
  return policyFromValues(values);
}

const RUN_OPTIONS = (cmd: Command) =>
  cmd
    .option('--format <format>', `auto (default), promptfoo, deepeval or csv`)
    .option(
      '--metric <name>',
      'promptfoo: the assertion metric (default hallucination); DeepEval: metric names, comma-separated (default Hallucination,Faithfulness)'
    )
    .option('--model <id>', 'the model under test, when the file does not say (DeepEval, CSV)')
    .option('--prompt-version <v>', 'the prompt version tested, when the file does not say')
    .option('--run-at <when>', 'when the run was made, when the file does not say (YYYY-MM-DD or ISO timestamp)');

export function registerAuditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description('exp-006: hallucination audits from eval runs, the stop-ship gate, evidence');

  RUN_OPTIONS(
    audit
      .command('ingest')
      .description(
        'store an eval run (promptfoo, DeepEval, human CSV) as a hallucination audit on a deal and update its gate'
      )
      .argument(
        '<file>',
        'promptfoo results.json, DeepEval test run JSON, or case_id,category,severity,verdict,reviewer,reason CSV'
      )
      .requiredOption('--opportunity <id>', 'the Opportunity the audit gates')
  )
    .option('-o, --target-org <alias>', 'write to this org with the sf CLI auth (default: the local store)')
    .option(
      '--store <path>',
      `local store file (default ${path.relative(process.cwd(), DEFAULT_STORE) || DEFAULT_STORE})`
    )
    .option('--as-of <date>', 'judge the gate on this day (YYYY-MM-DD; default today)')
    .option('--dry-run', 'read, judge and report; write nothing')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        file: string,
        flags: RunFlags & { opportunity: string; targetOrg?: string; store?: string; dryRun?: boolean }
      ) => {
        const out = createOutput(Boolean(flags.json));
        if (flags.targetOrg && flags.store)
          throw new UsageError('--store is for the local store; it cannot be used with --target-org');
        const options = {
          ...readOptions(flags),
          opportunity: flags.opportunity,
          dryRun: Boolean(flags.dryRun),
          today: parseDay(flags.asOf, '--as-of')
        };
        // the file is read and judged before any store or org is opened: a refused file touches nothing
        readAuditFile(file, options, loadPolicyFile());
        const { sink, policy } = await openSink({ targetOrg: flags.targetOrg, store: flags.store }, out);
        try {
          const result = await ingestAudit(file, { ...options, onProgress: (m) => out.progress(m) }, sink, policy);
          out.done();
          printIngest(result, out);
          if (result.failed.length) process.exitCode = 3;
        } finally {
          out.done();
          await sink.close();
        }
      }
    );

  RUN_OPTIONS(
    audit
      .command('gate')
      .description(
        'the stop-ship gate in CI: exit 0 when the run passes, 100 when it does not (Failed, Provisional, Pending)'
      )
      .requiredOption('--file <file>', 'the eval run file (as for ingest)')
  )
    .option('--max-rate <rate>', 'the maximum hallucination rate (default: policy Hallucination_Max_Rate)')
    .option('--min-sample <n>', 'scored responses needed (default: policy Hallucination_Min_Sample)')
    .option('--basis <basis>', 'point or upper_bound (default: policy Hallucination_Gate_Basis)')
    .option('--json', 'print the verdict as JSON')
    .action((flags: RunFlags & { file: string; maxRate?: string; minSample?: string; basis?: string }) => {
      const out = createOutput(Boolean(flags.json));
      const projectPolicy = loadPolicyFile();
      const rulePolicy = gatePolicy(projectPolicy, flags);
      const read = readAuditFile(flags.file, readOptions(flags), projectPolicy);
      const s = read.summary;
      const runDay = new Date(read.run.runAt).toISOString().slice(0, 10);
      // CI judges the run itself: as of its own day, any version; the fallback is judged on the deal, not here
      const result = judgeHallucinationGate(
        {
          audits: [
            {
              runId: read.run.runId,
              model: read.run.model,
              promptVersion: read.run.promptVersion,
              runAt: runDay,
              responses: s.responses,
              hallucinated: s.hallucinated,
              critical: s.critical
            }
          ],
          deployedModel: null,
          deployedPromptVersion: null,
          closeDate: null,
          fallbackType: 'judged on the deal',
          fallbackTestedAt: runDay
        },
        rulePolicy,
        runDay
      );
      const exitCode = result.status === 'Passed' ? 0 : GATE_NOT_PASSED_EXIT;
      out.result({
        status: result.status,
        exitCode,
        reasons: result.reasons,
        gate: result,
        cases: s.cases,
        pass: s.pass,
        hallucinated: s.hallucinated,
        error: s.error,
        unstable: s.unstable
      });
      // one line carries the verdict, and the exit code is derived from the same status
      out.info(
        `hallucination gate: ${result.status} (exit ${exitCode})${result.reasons.length ? `: ${result.reasons.join('; ')}` : ''}`
      );
      out.info(`  ${statsLine(result)}`);
      out.info(
        `  cases ${s.cases} = pass ${s.pass} + hallucinated ${s.hallucinated} + error ${s.error}; ${plural(s.unstable, 'unstable case')}`
      );
      if (s.byCategory.length)
        out.info(
          table(
            s.byCategory.map((c) => [c.category, c.responses, c.hallucinated]),
            ['category', 'responses', 'hallucinated']
          )
        );
      process.exitCode = exitCode;
    });

  audit
    .command('review')
    .description(
      "set reviewers' verdicts on a deal's audited cases (hallucinated or not, with a reason); the audits and the gate are recounted"
    )
    .argument('<opportunity>', 'the Opportunity the audits are on')
    .option('--case <id>', 'the case id (as the audit item keeps it)')
    .option('--verdict <verdict>', 'hallucinated or "not hallucinated" (with --case)')
    .option('--reason <text>', 'why (with --case)')
    .option('--run <id>', 'the run id, when the case id is in more than one audit (with --case)')
    .option('--file <csv>', 'verdicts as CSV: case_id,verdict,reason[,run_id], one a line')
    .option('--reviewer <name>', 'who reviews (default: the org user, or your login name locally)')
    .option('-o, --target-org <alias>', 'write to this org with the sf CLI auth (default: the local store)')
    .option('--store <path>', 'local store file (default .gtm/store.duckdb)')
    .option('--as-of <date>', 'judge the gates on this day (YYYY-MM-DD; default today)')
    .option('--dry-run', 'check and recount; write nothing')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        opportunity: string,
        flags: {
          case?: string;
          verdict?: string;
          reason?: string;
          run?: string;
          file?: string;
          reviewer?: string;
          targetOrg?: string;
          store?: string;
          asOf?: string;
          dryRun?: boolean;
          json?: boolean;
        }
      ) => {
        const out = createOutput(Boolean(flags.json));
        if (flags.targetOrg && flags.store)
          throw new UsageError('--store is for the local store; it cannot be used with --target-org');
        if (Boolean(flags.file) === Boolean(flags.case))
          throw new UsageError('name one case (--case with --verdict and --reason) or a file of verdicts (--file)');
        let changes: VerdictChange[];
        if (flags.case !== undefined) {
          if (flags.verdict === undefined || flags.reason === undefined)
            throw new UsageError('--case needs --verdict and --reason');
          const verdict = parseHumanVerdict(flags.verdict);
          if (verdict === null)
            throw new UsageError(`--verdict ${flags.verdict}: expected hallucinated or "not hallucinated"`);
          changes = [{ caseId: flags.case, runId: flags.run, verdict, reason: flags.reason, where: '--case' }];
        } else {
          if (flags.verdict !== undefined || flags.reason !== undefined || flags.run !== undefined)
            throw new UsageError('--verdict, --reason and --run go with --case; a --file names them in its columns');
          changes = readVerdictCsv(flags.file!, displayPath(flags.file!));
        }
        const today = parseDay(flags.asOf, '--as-of');
        // a review reads a deal already stored: a mistyped --store is named, not made into an empty store
        if (!flags.targetOrg) await openExistingStore(flags.store).then((s) => s.close());
        const { sink, policy } = await openSink({ targetOrg: flags.targetOrg, store: flags.store }, out);
        try {
          const orgUser = flags.targetOrg ? sink.label.replace(/^org /, '') : null;
          const reviewer = flags.reviewer ?? orgUser ?? os.userInfo().username;
          const result = await reviewCases(
            sink,
            opportunity,
            changes,
            {
              reviewer,
              at: new Date().toISOString(),
              today,
              dryRun: Boolean(flags.dryRun),
              onProgress: (m) => out.progress(m)
            },
            policy
          );
          out.done();
          printReview(result, out);
          if (result.failed.length) process.exitCode = 3;
        } finally {
          out.done();
          await sink.close();
        }
      }
    );

  audit
    .command('evidence')
    .description('the one-page AI-quality evidence sheet of a deal for security and procurement')
    .argument('<opportunity>', 'the Opportunity Id')
    .option('--format <format>', 'md (default), html or pdf')
    .option('--output <file>', 'write the sheet there (needed for pdf; md and html print to stdout without it)')
    .option('-o, --target-org <alias>', 'read this org with the sf CLI auth (default: the local store)')
    .option('--store <path>', 'local store file (default .gtm/store.duckdb)')
    .option('--as-of <date>', 'judge the gate on this day (YYYY-MM-DD; default today)')
    .action(
      async (
        opportunity: string,
        flags: { format?: string; output?: string; targetOrg?: string; store?: string; asOf?: string }
      ) => {
        const format = flags.format ?? 'md';
        if (!['md', 'html', 'pdf'].includes(format))
          throw new UsageError(`--format ${format}: expected md, html or pdf`);
        if (format === 'pdf' && !flags.output) throw new UsageError('--format pdf needs --output <file.pdf>');
        if (flags.targetOrg && flags.store)
          throw new UsageError('--store is for the local store; it cannot be used with --target-org');
        const today = parseDay(flags.asOf, '--as-of');
        const out = createOutput(false);
        if (!flags.targetOrg) await openExistingStore(flags.store).then((s) => s.close());
        const { sink, policy } = await openSink({ targetOrg: flags.targetOrg, store: flags.store }, out);
        try {
          const sheet = await gatherEvidence(sink, opportunity, policy, today);
          const html = format === 'md' ? null : renderHtml(sheet);
          if (format === 'pdf') await writePdf(html!, flags.output!);
          else if (flags.output) fs.writeFileSync(flags.output, format === 'md' ? renderMarkdown(sheet) : html!);
          else process.stdout.write(format === 'md' ? renderMarkdown(sheet) : html!);
          if (flags.output) out.done(`wrote ${flags.output} (${sheet.gate.status})`);
        } finally {
          await sink.close();
        }
      }
    );
}
