/**
 * DeepEval test-run JSON (`.deepeval/.latest_run_full.json`, `test_run_<ts>.json`; camelCase, deepeval/test_run):
 * { testCases: [{ name, success, metricsData: [{ name, threshold, success, score, reason, evaluationModel, error }],
 * metadata }], hyperparameters, identifier, testPassed, testFailed }. A case is hallucinated when a metric of the
 * configured names (default Hallucination and Faithfulness) has success false; `score` is never read, because its
 * direction flipped upstream ("higher = better", confident-ai/deepeval#3099). A metric with an error is unscored.
 */
import { AdapterError, parseSeverity, repeatCounter, textOf, type CanonicalRow, type RunFile } from '../runFile';

export const DEEPEVAL_DEFAULT_METRICS = ['Hallucination', 'Faithfulness'];

interface MetricData {
  name?: string;
  success?: boolean | null;
  reason?: string | null;
  evaluationModel?: string | null;
  error?: string | null;
}

interface TestCase {
  name?: string;
  metricsData?: MetricData[] | null;
  metadata?: Record<string, unknown> | null;
  additionalMetadata?: Record<string, unknown> | null;
}

export function looksLikeDeepEval(json: unknown): boolean {
  return Array.isArray((json as { testCases?: unknown })?.testCases);
}

export function readDeepEval(json: unknown, metrics: readonly string[], fileName: string): RunFile {
  if (!looksLikeDeepEval(json))
    throw new AdapterError(
      'it is not a DeepEval test run (no testCases list; DeepEval writes .deepeval/.latest_run_full.json)'
    );
  const file = json as { testCases: TestCase[]; identifier?: string; hyperparameters?: Record<string, unknown> | null };
  // a hand-edited or truncated run: name the entry instead of failing inside the mapping below
  const isRecord = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  file.testCases.forEach((t, i) => {
    if (!isRecord(t)) throw new AdapterError(`testCases[${i}] is not a test case object`);
    if (t.metricsData != null && !Array.isArray(t.metricsData))
      throw new AdapterError(`testCases[${i}].metricsData is not a list`);
    t.metricsData?.forEach((m, k) => {
      if (!isRecord(m)) throw new AdapterError(`testCases[${i}].metricsData[${k}] is not a metric object`);
    });
  });
  const wanted = new Set(metrics.map((m) => m.toLowerCase()));
  const nextRepeat = repeatCounter();
  const judges = new Set<string>();
  let graded = 0;
  const rows: CanonicalRow[] = file.testCases.map((t, i) => {
    const meta = { ...(t.additionalMetadata ?? {}), ...(t.metadata ?? {}) };
    const caseId = textOf(meta.case_id) ?? textOf(meta.caseId) ?? textOf(t.name) ?? `test_case_${i}`;
    const base = {
      caseId,
      repeat: nextRepeat(caseId),
      category: textOf(meta.category) ?? 'uncategorized',
      severity: parseSeverity(meta.severity, `testCases[${i}] (case ${caseId})`)
    };
    const found = (t.metricsData ?? []).filter((m) => wanted.has(String(m.name ?? '').toLowerCase()));
    for (const m of found) if (textOf(m.evaluationModel)) judges.add(textOf(m.evaluationModel)!);
    if (found.length === 0)
      return { ...base, verdict: 'error' as const, reason: `no metric named ${metrics.join(' or ')} was measured` };
    const errored = found.find((m) => textOf(m.error) !== null || typeof m.success !== 'boolean');
    if (errored)
      return { ...base, verdict: 'error' as const, reason: textOf(errored.error) ?? 'the metric has no success value' };
    graded++;
    const failed = found.find((m) => m.success === false);
    return failed
      ? { ...base, verdict: 'hallucinated' as const, reason: textOf(failed.reason) ?? `${failed.name} failed` }
      : { ...base, verdict: 'pass' as const, reason: textOf(found[0]!.reason) ?? '' };
  });
  if (rows.length > 0 && graded === 0 && rows.every((r) => r.reason.startsWith('no metric named')))
    throw new AdapterError(`no test case has a metric named ${metrics.join(' or ')} (name it with --metric)`);
  const hp = file.hyperparameters ?? {};
  return {
    metric: metrics.join(','),
    rows,
    run: {
      tool: 'deepeval',
      runId: textOf(file.identifier) ?? fileName,
      runAt: textOf(hp.run_at) ?? textOf(hp['run at']),
      model: textOf(hp.model) ?? textOf(hp.Model),
      promptVersion: textOf(hp.prompt_version) ?? textOf(hp['prompt version']) ?? textOf(hp.prompt),
      judge: judges.size ? [...judges].join(', ') : null,
      dataset: textOf(hp.dataset),
      datasetSha256: textOf(hp.dataset_sha256)
    }
  };
}
