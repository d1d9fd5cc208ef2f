/**
 * `gtm events validate`: every row of an event file judged against the plan. The summary balances (rows = valid +
 * violating), counts violations by type and event, and a rate above the limit fails the command.
 */
import { InputError } from '../lib/errors';
import type { Encoding } from '../usage/encoding';
import { readEventRows, type EventRow } from './input';
import { createJudge, type JudgeOptions, type Violation, type ViolationType } from './judge';
import type { CompiledPlan } from './plan';

export interface JudgedRow {
  line: number;
  raw: string;
  event?: Record<string, unknown>;
  violations: readonly Violation[];
}

export interface ValidateSummary {
  input: string;
  format: string;
  encoding: string;
  rows: number;
  valid: number;
  violating: number;
  violation_rate: number;
  max_violation_rate: number;
  over_limit: boolean;
  /** false when no account list was available (no local store yet) */
  accounts_checked: boolean;
  by_type: Partial<Record<ViolationType, number>>;
  by_event: Record<string, { rows: number; violating: number }>;
}

export interface ValidateResult {
  summary: ValidateSummary;
  /** every violating row, in file order */
  violating: JudgedRow[];
  /** every valid row's event, in file order (what a sync writes) */
  valid: JudgedRow[];
}

export interface ValidateOptions extends JudgeOptions {
  maxViolationRate: number;
  encoding?: Encoding;
  /** keep the valid rows' events (the sync needs them; validate only counts) */
  keepValid?: boolean;
}

/** The row as a violation when it could not be read as an event at all. */
function malformed(row: EventRow): readonly Violation[] {
  return row.malformed
    ? [
        {
          type: 'Datatype-Mismatch',
          message: row.malformed.message,
          instancePath: row.malformed.instancePath,
          schemaPath: ''
        }
      ]
    : [];
}

export async function validateEventFile(
  file: string,
  compiled: CompiledPlan,
  options: ValidateOptions
): Promise<ValidateResult> {
  const judge = createJudge(compiled, options);
  const violating: JudgedRow[] = [];
  const valid: JudgedRow[] = [];
  const byType: Partial<Record<ViolationType, number>> = {};
  const byEvent: Record<string, { rows: number; violating: number }> = {};
  let rows = 0;
  const read = await readEventRows(
    file,
    compiled.plan.envelope,
    (row) => {
      rows++;
      const violations = row.event ? judge(row.event) : malformed(row);
      const name = typeof row.event?.event_name === 'string' ? row.event.event_name : '(unreadable)';
      const e = (byEvent[name] ??= { rows: 0, violating: 0 });
      e.rows++;
      if (violations.length) {
        e.violating++;
        for (const v of violations) byType[v.type] = (byType[v.type] ?? 0) + 1;
        violating.push({ line: row.line, raw: row.raw, event: row.event, violations });
      } else if (options.keepValid) {
        valid.push({ line: row.line, raw: row.raw, event: row.event, violations });
      }
    },
    options.encoding
  );
  if (rows === 0) throw new InputError(`${file} has no events`);
  const rate = violating.length / rows;
  return {
    summary: {
      input: file,
      format: read.format,
      encoding: read.encoding,
      rows,
      valid: rows - violating.length,
      violating: violating.length,
      violation_rate: rate,
      max_violation_rate: options.maxViolationRate,
      over_limit: rate > options.maxViolationRate,
      accounts_checked: options.accounts !== undefined,
      by_type: byType,
      by_event: byEvent
    },
    violating,
    valid
  };
}

/** One CSV line per violation: what people read in a spreadsheet. */
export function violationLines(rows: readonly JudgedRow[]): string[][] {
  return rows.flatMap((r) =>
    r.violations.map((v) => [
      String(r.line),
      String(r.event?.event_id ?? ''),
      String(r.event?.event_name ?? ''),
      v.type,
      v.instancePath,
      v.schemaPath,
      v.message
    ])
  );
}
export const VIOLATION_HEADER = ['line', 'event_id', 'event_name', 'type', 'instance_path', 'schema_path', 'message'];
