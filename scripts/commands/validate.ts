/**
 * `gtm validate`: the offline verification suite. People get progress on stderr, a summary table and every
 * problem as `file:line:col [field]: message`; machines get one JSON document with --json. Any failing check makes
 * the command exit non-zero, so CI and `npm test` can rely on it.
 */
import { Command } from 'commander';
import { createOutput, table } from '../cli/output';
import { formatProblem, UsageError, ValidationError } from '../lib/errors';
import { REPO_ROOT, requireProject } from '../lib/paths';
import { CHECKS, runChecks, type CheckResult } from '../validate';

interface ValidateFlags {
  only?: string;
  project?: string;
  projectDir?: string;
  json?: boolean;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'verify the project offline: types, lint, format, metadata XML, Apex syntax, field references, Apex compile, PMD, packaging'
    )
    .option('--only <checks>', `comma-separated checks to run: ${CHECKS.map((c) => c.name).join(', ')}`)
    .option('--project <dir>', 'the SFDX project to check (default: this repository)')
    // same flag name as `gtm deploy`, so either spelling works
    .option('--project-dir <dir>', 'the same as --project')
    .option('--json', 'one JSON document with every result on stdout')
    .action(async (flags: ValidateFlags) => {
      const out = createOutput(Boolean(flags.json));
      const projectDir = requireProject(flags.project ?? flags.projectDir ?? REPO_ROOT);
      const only = flags.only
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (only && only.length === 0) {
        throw new UsageError(`--only needs at least one check: ${CHECKS.map((c) => c.name).join(', ')}`);
      }
      let results: CheckResult[];
      try {
        results = await runChecks({ projectDir, only, onProgress: (name) => out.progress(`checking ${name} ...`) });
      } finally {
        out.done(); // end the progress line, so an error starts on a line of its own
      }
      const failed = results.filter((r) => !r.ok);
      const problemCount = failed.reduce((n, r) => n + r.problems.length, 0);

      if (out.json) {
        // one document, even on failure: a second (error) document would make stdout unparseable
        out.result({ status: failed.length ? 'failed' : 'ok', projectDir, problems: problemCount, checks: results });
        if (failed.length) process.exitCode = 1;
        return;
      }

      out.info(
        table(
          results.map((r) => [r.name, r.ok ? 'ok' : 'FAILED', r.problems.length, (r.durationMs / 1000).toFixed(1)]),
          ['check', 'result', 'problems', 'seconds']
        )
      );
      for (const r of results.filter((x) => x.notes.length)) {
        out.info(`\n${r.name}: ${r.notes.length} advisory finding(s) (not failing):`);
        for (const n of r.notes) out.info(`  info  ${formatProblem(n)}`);
      }
      for (const r of failed) {
        out.info(`\n${r.name}: ${r.problems.length} problem(s)`);
        for (const p of r.problems) out.info(`  ${formatProblem(p)}`);
      }
      if (failed.length) {
        throw new ValidationError(
          `${problemCount} problem${problemCount === 1 ? '' : 's'} in ${failed.length} check${failed.length === 1 ? '' : 's'}`
        );
      }
      out.info(`\nall ${results.length} checks passed`);
    });
}
