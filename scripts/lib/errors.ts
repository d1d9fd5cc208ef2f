/**
 * The typed errors of the gtm tooling. Every error a person can act on is a GtmError: the CLI prints its
 * message (and its details) without a stack trace and exits with its exit code. Anything else is a bug.
 */
export class GtmError extends Error {
  /** Extra lines printed under the message, e.g. one per bad row. */
  readonly details: string[];
  readonly exitCode: number;

  constructor(message: string, options: { details?: string[]; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? [];
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A problem in a file the user supplied or the project ships: names the file, and the line and field when known. */
export class InputError extends GtmError {}

/** The command line itself is wrong (an unknown check, a bad option value): exit code 2, like commander's own. */
export class UsageError extends GtmError {
  constructor(message: string, options: { details?: string[]; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** The offline verification found problems; details list them. */
export class ValidationError extends GtmError {}

/** The org could not be reached, refused a step, or the step is not allowed against it. */
export class OrgError extends GtmError {}

/** A tool this command needs (Java, the sf CLI, a browser) is missing or failed to start. */
export class ToolError extends GtmError {}

/** One located problem: file relative to the project, 1-based line (and column) when known. */
export interface Problem {
  file: string;
  line?: number;
  column?: number;
  field?: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = [p.file, p.line, p.column].filter((x) => x !== undefined && x !== '').join(':');
  const field = p.field ? ` [${p.field}]` : '';
  return `${where}${field}: ${p.message}`;
}

/** "no such file" rather than ENOENT: file-system failures in words a person can act on. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'EROFS':
      return 'a read-only or virtual file system: no file can be made there';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}
