/**
 * The contract every offline check fulfils. A check reads the project at `projectDir` (never the repository it
 * runs from), so tests can point it at a temporary copy, and it reports located problems instead of throwing:
 * a thrown error means the check itself could not run (a missing tool, a bug), not that the project is wrong.
 */
import type { Problem } from '../lib/errors';

export interface CheckContext {
  /** Absolute path of the SFDX project to check; every Problem.file is relative to it. */
  projectDir: string;
  /**
   * Advisory findings that must not fail the build (e.g. PMD severity 3+). Optional so a check can run on its
   * own; runChecks collects them into CheckResult.notes.
   */
  note?(problem: Problem): void;
}

export interface Check {
  /** Short kebab-case name used by `gtm validate --only`. */
  name: string;
  description: string;
  run(ctx: CheckContext): Promise<Problem[]>;
}

export interface CheckResult {
  name: string;
  description: string;
  ok: boolean;
  problems: Problem[];
  /** Advisory findings reported through CheckContext.note; never make the check fail. */
  notes: Problem[];
  durationMs: number;
}
