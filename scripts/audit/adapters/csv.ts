/**
 * A human audit as CSV: case_id,category,severity,verdict,reviewer,reason (one row per case and reviewer; a case
 * reviewed twice is two repeats). verdict is pass, hallucinated or error. The run (model, prompt, time) comes from
 * the command's --model, --prompt-version and --run-at.
 */
import { readCsvFile } from '../../lib/csvFile';
import {
  AdapterError,
  parseSeverity,
  repeatCounter,
  type CanonicalRow,
  type RowVerdict,
  type RunFile
} from '../runFile';

export const CSV_COLUMNS = ['case_id', 'category', 'severity', 'verdict', 'reviewer', 'reason'] as const;
const VERDICTS: readonly RowVerdict[] = ['pass', 'hallucinated', 'error'];

export function looksLikeAuditCsv(text: string): boolean {
  const header = (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '').toLowerCase();
  return header
    .split(',')
    .map((h) => h.trim())
    .includes('case_id');
}

export function readAuditCsv(file: string, shown: string, fileName: string): RunFile {
  const records = readCsvFile(file, { required: CSV_COLUMNS }, shown);
  const nextRepeat = repeatCounter();
  const reviewers = new Set<string>();
  const rows: CanonicalRow[] = records.map((r) => {
    const v = r.values;
    const where = `line ${r.line}`;
    const caseId = (v.case_id ?? '').trim();
    if (!caseId) throw new AdapterError(`${where}: case_id is blank`);
    const verdict = (v.verdict ?? '').trim().toLowerCase();
    if (!(VERDICTS as readonly string[]).includes(verdict))
      throw new AdapterError(`${where}: verdict "${v.verdict ?? ''}" is not pass, hallucinated or error`);
    if ((v.reviewer ?? '').trim()) reviewers.add(v.reviewer!.trim());
    return {
      caseId,
      repeat: nextRepeat(caseId),
      verdict: verdict as RowVerdict,
      severity: parseSeverity(v.severity, where),
      category: (v.category ?? '').trim() || 'uncategorized',
      reason: (v.reason ?? '').trim()
    };
  });
  return {
    metric: 'human review',
    rows,
    run: {
      tool: 'csv',
      runId: fileName,
      runAt: null,
      model: null,
      promptVersion: null,
      judge: `human (${reviewers.size ? [...reviewers].sort().join(', ') : 'reviewer not named'})`,
      dataset: null,
      datasetSha256: null
    }
  };
}
