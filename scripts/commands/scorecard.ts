/**
 * `gtm scorecard`: the day-90 KPI scorecard. `report` renders the board report at an as-of date (KPI tiles with
 * trends, portfolio with decisions and sign-offs, trust and safety, definitions, next-quarter bets) as Markdown,
 * HTML, PDF, CSV or JSON; the same store and as-of give byte-identical output with its content hash in the footer.
 */
import * as fs from 'node:fs';
import { Command } from 'commander';
import { createOutput } from '../cli/output';
import { describeFsError, InputError, UsageError } from '../lib/errors';
import { loadPolicyFile } from '../policy/policy';
import { isoSeconds } from '../rules/routingRule';
import { buildScorecard } from '../cockpit/scorecard';
import { REPORT_FORMATS, renderReport, writeReportPdf, type ReportFormat } from '../cockpit/scorecardReport';
import { openExistingStore } from './pqa';
import { parseAsOf } from './usage';

interface ReportFlags {
  asOf?: string;
  format?: string;
  output?: string;
  store?: string;
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
        text = renderReport(await buildScorecard(store, policy, asOf), format);
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
}
