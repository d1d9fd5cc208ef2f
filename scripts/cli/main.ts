/**
 * `gtm`: one entry point, one subcommand per job. Each command module registers itself here; errors reach the
 * user as one readable message (see output.ts), never as a stack trace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { REPO_ROOT } from '../lib/paths';
import { refuseOptionAsValue } from './optionValues';
import { reportError } from './output';
import { registerAuditCommand } from '../commands/audit';
import { registerDeployCommand } from '../commands/deploy';
import { registerEventsCommand } from '../commands/events';
import { registerOnboardingCommand } from '../commands/onboarding';
import { registerPolicyCommand } from '../commands/policy';
import { registerPqaCommand } from '../commands/pqa';
import { registerReadoutCommand } from '../commands/readout';
import { registerRoutingCommand } from '../commands/routing';
import { registerScorecardCommand } from '../commands/scorecard';
import { registerUsageCommand } from '../commands/usage';
import { registerValidateCommand } from '../commands/validate';
import { registerWorkbenchCommand } from '../commands/workbench';

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

export function buildProgram(): Command {
  const program = new Command('gtm')
    .description('copilot-gtm: deploy the GTM metadata and registry, verify it offline, sync usage')
    // which build a report or a bug came from (the package's version, as npm installed it)
    .version(packageVersion(), '-V, --version', 'print the version of gtm')
    .showHelpAfterError()
    .exitOverride();
  // `--store --dry-run` is a usage error, not a store named "--dry-run", on every command
  program.hook('preAction', (_program, action) => refuseOptionAsValue(action));
  registerDeployCommand(program);
  registerValidateCommand(program);
  registerPolicyCommand(program);
  registerUsageCommand(program);
  registerEventsCommand(program);
  registerWorkbenchCommand(program);
  registerAuditCommand(program);
  registerPqaCommand(program);
  registerRoutingCommand(program);
  registerOnboardingCommand(program);
  registerReadoutCommand(program);
  registerScorecardCommand(program);
  return program;
}

/**
 * Ctrl-C (or a scheduler's SIGTERM) during a command says what state it leaves, instead of ending silently:
 * every write is an idempotent upsert in batches, so what landed stays and the same command run again finishes
 * the job. Only for commands that write that way (a deploy or a read-only command ends as node ends it).
 */
export function installInterruptNotice(
  command: string,
  io: {
    stderr: { write(s: string): unknown };
    exit(code: number): void;
    on(signal: NodeJS.Signals, fn: () => void): unknown;
  } = {
    stderr: process.stderr,
    exit: (code) => process.exit(code),
    on: (signal, fn) => process.once(signal, fn)
  }
): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143]
  ] as const)
    io.on(signal, () => {
      io.stderr.write(
        `\ninterrupted (${signal}): gtm ${command} stopped before it finished. What it wrote before stays (each write ` +
          'is an upsert by key); run the same command again to finish: it writes only what is missing.\n'
      );
      io.exit(code);
    });
}

/** The commands whose writes are upserts by key, for which the interrupt notice's promise holds. */
const UPSERTING_COMMANDS = new Set(['usage sync', 'usage backtest', 'events sync', 'pqa sync', 'audit ingest']);

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.hook('preAction', (_program, action) => {
    const name = [action.parent?.name(), action.name()].filter((n) => n && n !== 'gtm').join(' ');
    if (UPSERTING_COMMANDS.has(name)) installInterruptNotice(name);
  });
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed help or the usage error on stderr; --json callers also get it on stdout
      if (err.exitCode === 0) return 0;
      if (json) {
        const message = err.message.replace(/^error: /, '');
        process.stdout.write(
          `${JSON.stringify({ status: 'error', error: 'UsageError', message, details: [] }, null, 2)}\n`
        );
      }
      return 2;
    }
    return reportError(err, json);
  }
}
