/**
 * exp-006: what every eval tool's run file becomes. Each adapter (adapters/) maps one file to the same shape: the
 * run (tool, id, time, model, prompt, judge, dataset) and one canonical row per case and repeat. Everything after
 * it (repeats, counts, the gate) is the same code whatever tool wrote the file.
 */
export type SourceTool = 'promptfoo' | 'deepeval' | 'csv';
export type RowVerdict = 'pass' | 'hallucinated' | 'error';
export type Severity = 'critical' | 'major' | 'minor';
export const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor'];

export interface CanonicalRow {
  caseId: string;
  /** 0-based: the n-th time this case appears in the file */
  repeat: number;
  verdict: RowVerdict;
  severity: Severity | null;
  category: string;
  reason: string;
}

export interface RunInfo {
  tool: SourceTool;
  runId: string;
  /** ISO timestamp; null when the file has none (then --run-at is needed) */
  runAt: string | null;
  model: string | null;
  promptVersion: string | null;
  judge: string | null;
  dataset: string | null;
  datasetSha256: string | null;
}

export interface RunFile {
  run: RunInfo;
  rows: CanonicalRow[];
  /** the metric (promptfoo) or metric names (DeepEval) read */
  metric: string;
}

/** Turns the n-th appearance of a case into its repeat index. */
export function repeatCounter(): (caseId: string) => number {
  const seen = new Map<string, number>();
  return (caseId) => {
    const n = seen.get(caseId) ?? 0;
    seen.set(caseId, n + 1);
    return n;
  };
}

/** A run file that is not what its adapter reads, or that it refuses; the caller names the file. */
export class AdapterError extends Error {}

/** A case's severity as written (any case), or null when blank; anything else is named. */
export function parseSeverity(value: unknown, where: string): Severity | null {
  if (value === undefined || value === null || String(value).trim() === '') return null;
  const s = String(value).trim().toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(s)) return s as Severity;
  throw new AdapterError(`${where}: severity "${String(value)}" is not critical, major or minor`);
}

export function textOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const s = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
  return s === null || s.trim() === '' ? null : s.trim();
}
