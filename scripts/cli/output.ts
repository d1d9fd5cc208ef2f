/**
 * What the CLI prints. Results go to stdout (JSON with --json, a readable summary otherwise); progress and
 * errors go to stderr so `--json` output stays parseable.
 */
import { GtmError } from '../lib/errors';

export interface Output {
  json: boolean;
  /** A line for people; silent in --json mode. */
  info(line?: string): void;
  /** Progress of a long step, on stderr; rewrites the line on a terminal. */
  progress(line: string): void;
  /** Ends a progress line. */
  done(line?: string): void;
  /** The machine-readable result of the command. */
  result(value: unknown): void;
}

export function createOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  const tty = Boolean(stderr.isTTY);
  let open = false;
  return {
    json,
    info(line = '') {
      if (!json) stdout.write(`${line}\n`);
    },
    progress(line) {
      if (tty) {
        stderr.write(`\r\x1b[2K${line}`);
        open = true;
      } else {
        stderr.write(`${line}\n`);
      }
    },
    done(line) {
      if (open) stderr.write(line === undefined ? '\n' : `\r\x1b[2K${line}\n`);
      else if (line !== undefined) stderr.write(`${line}\n`);
      open = false;
    },
    result(value) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    }
  };
}

/** A fixed-width table for summaries. */
export function table(rows: (string | number)[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length))) ?? [];
  const line = (r: (string | number)[]) =>
    r
      .map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = all.map(line);
  if (header) out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return out.join('\n');
}

/** Turns any thrown value into what a person sees; returns the exit code. */
export function reportError(err: unknown, json: boolean, stderr = process.stderr): number {
  if (err instanceof GtmError) {
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ status: 'error', error: err.name, message: err.message, details: err.details }, null, 2)}\n`
      );
    }
    stderr.write(`error: ${err.message}\n`);
    for (const d of err.details) stderr.write(`  ${d}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(`error: unexpected failure: ${message}\n`);
  if (process.env.GTM_DEBUG && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`);
  else stderr.write('  (set GTM_DEBUG=1 to see the stack trace, and please report it)\n');
  return 70;
}
