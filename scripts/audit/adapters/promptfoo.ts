/**
 * promptfoo `-o results.json` (OutputFile: { evalId, results: EvaluateSummary, config, metadata }). Read by
 * promptfoo's TypeScript types (src/types/index.ts), not its docs' JSON example, which differs. results.version 3
 * (current) and 2 are read; any other version is refused by name. Per result: failureReason 2 (or an error with no
 * grading) is an error; otherwise the case is hallucinated when an assertion whose `metric` is the configured
 * metric failed (gradingResult.componentResults[].assertion.metric), pass when it passed. `score` is never read.
 * The case is testCase.metadata.case_id (or caseId), else its description, else test <testIdx>; repeats
 * (evaluateOptions.repeat) are the same case appearing again. Severity and category come from testCase.metadata.
 */
import { AdapterError, parseSeverity, repeatCounter, textOf, type CanonicalRow, type RunFile } from '../runFile';

export const PROMPTFOO_VERSIONS = [2, 3] as const;
const FAILURE_ERROR = 2;

interface Grading {
  pass?: boolean;
  reason?: string;
  assertion?: { metric?: string; type?: string } | null;
  componentResults?: Grading[];
}

interface PromptfooResult {
  testIdx?: number;
  promptId?: string;
  prompt?: { id?: string; label?: string };
  provider?: { id?: string; label?: string } | string;
  testCase?: { description?: string; metadata?: Record<string, unknown> };
  description?: string;
  error?: string | null;
  failureReason?: number;
  success?: boolean;
  gradingResult?: Grading | null;
}

/** Whether parsed JSON has the shape of a promptfoo output file (any version). */
export function looksLikePromptfoo(json: unknown): boolean {
  const r = (json as { results?: unknown })?.results;
  return typeof r === 'object' && r !== null && !Array.isArray(r) && 'version' in r;
}

function metricGradings(g: Grading | null | undefined, metric: string, out: Grading[] = []): Grading[] {
  if (!g) return out;
  if (g.assertion?.metric === metric) out.push(g);
  if (g.componentResults != null && !Array.isArray(g.componentResults))
    throw new AdapterError('a gradingResult.componentResults is not a list');
  for (const c of g.componentResults ?? []) if (c && typeof c === 'object') metricGradings(c, metric, out);
  return out;
}

function providerId(p: PromptfooResult['provider']): string | null {
  if (typeof p === 'string') return textOf(p);
  return textOf(p?.id) ?? textOf(p?.label);
}

function judgeOf(config: unknown): string | null {
  const provider = (config as { defaultTest?: { options?: { provider?: unknown } } })?.defaultTest?.options?.provider;
  if (typeof provider === 'string') return provider;
  return textOf((provider as { id?: unknown })?.id);
}

export function readPromptfoo(json: unknown, metric: string, fileName: string): RunFile {
  if (!looksLikePromptfoo(json))
    throw new AdapterError(
      'it is not a promptfoo results file (no results.version; write it with promptfoo eval -o results.json)'
    );
  const file = json as {
    evalId?: string;
    results: { version: unknown; timestamp?: string; results?: unknown };
    config?: unknown;
  };
  const version = file.results.version;
  if (!(PROMPTFOO_VERSIONS as readonly unknown[]).includes(version))
    throw new AdapterError(
      `promptfoo results version ${JSON.stringify(version)} is not supported (versions ${PROMPTFOO_VERSIONS.join(' and ')} are)`
    );
  if (!Array.isArray(file.results.results)) throw new AdapterError('results.results is not a list of test results');
  const results = file.results.results as PromptfooResult[];
  // a hand-edited or truncated file: name the entry instead of failing inside the mapping below
  const notRecord = (x: unknown) => typeof x !== 'object' || x === null || Array.isArray(x);
  const bad = results.findIndex(notRecord);
  if (bad >= 0) throw new AdapterError(`results.results[${bad}] is not a test result object`);
  const models = new Set(results.map((r) => providerId(r.provider)).filter((m): m is string => m !== null));
  if (models.size > 1)
    throw new AdapterError(
      `the file tests ${models.size} providers (${[...models].join(', ')}); an audit is of one model: run one provider per file`
    );
  const prompts = new Set(
    results.map((r) => textOf(r.promptId) ?? textOf(r.prompt?.id)).filter((p): p is string => p !== null)
  );
  if (prompts.size > 1)
    throw new AdapterError(
      `the file tests ${prompts.size} prompts; an audit is of one prompt version: run one prompt per file`
    );

  const nextRepeat = repeatCounter();
  let graded = 0;
  const rows: CanonicalRow[] = results.map((r, i) => {
    const where = `results.results[${i}]`;
    const meta = r.testCase?.metadata ?? {};
    const caseId =
      textOf(meta.case_id) ??
      textOf(meta.caseId) ??
      textOf(r.testCase?.description) ??
      textOf(r.description) ??
      `test ${r.testIdx ?? i}`;
    const base = {
      caseId,
      repeat: nextRepeat(caseId),
      category: textOf(meta.category) ?? 'uncategorized',
      severity: parseSeverity(meta.severity, `${where} (case ${caseId})`)
    };
    if (r.failureReason === FAILURE_ERROR || (textOf(r.error) !== null && !r.gradingResult))
      return { ...base, verdict: 'error' as const, reason: textOf(r.error) ?? 'the eval errored' };
    const found = metricGradings(r.gradingResult, metric);
    if (found.length === 0)
      return { ...base, verdict: 'error' as const, reason: `no assertion with metric ${metric} was graded` };
    graded++;
    const failed = found.find((g) => g.pass === false);
    return failed
      ? { ...base, verdict: 'hallucinated' as const, reason: textOf(failed.reason) ?? 'the assertion failed' }
      : { ...base, verdict: 'pass' as const, reason: textOf(found[0]!.reason) ?? '' };
  });
  if (rows.length > 0 && graded === 0)
    throw new AdapterError(
      `no result has an assertion with metric "${metric}" (set it with --metric, as written in the promptfoo config's assert: metric:)`
    );

  return {
    metric,
    rows,
    run: {
      tool: 'promptfoo',
      runId: textOf(file.evalId) ?? fileName,
      runAt: textOf(file.results.timestamp),
      model: [...models][0] ?? null,
      promptVersion: [...prompts][0] ?? null,
      judge: judgeOf(file.config),
      dataset: textOf((file.config as { description?: unknown })?.description),
      datasetSha256: null
    }
  };
}
