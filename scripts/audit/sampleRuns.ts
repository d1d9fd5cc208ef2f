/**
 * Eval run files shaped like the real tools write them (promptfoo `-o results.json` versions 3 and 2, a DeepEval
 * test run, a human-audit CSV), made from a short description: how many cases, which are hallucinated, errored,
 * critical or unstable. The sample world's files under data/sample/audits and the adapter tests come from here, so
 * both exercise the same shapes, traps included: a non-hallucination assertion that fails (promptfoo success false,
 * failureReason 1, not a hallucination) and a `score` whose direction disagrees with `success`.
 */
import { createHash } from 'node:crypto';

export interface SampleCase {
  caseId: string;
  category: string;
  severity: 'critical' | 'major' | 'minor';
  /** one verdict per repeat */
  verdicts: ('pass' | 'hallucinated' | 'error')[];
  /** promptfoo: another assertion (latency) fails on this case */
  otherAssertionFails?: boolean;
}

export interface SampleRunSpec {
  runId: string;
  /** ISO timestamp */
  timestamp: string;
  model: string;
  promptText: string;
  judge: string;
  dataset: string;
  cases: SampleCase[];
}

const CATEGORIES = ['billing', 'refunds', 'account access', 'technical', 'shipping'];

/** n cases: the listed ids hallucinated / errored / critical / unstable (pass, hallucinated, pass), the rest pass. */
export function sampleCases(
  n: number,
  marks: {
    hallucinated?: number[];
    error?: number[];
    critical?: number[];
    unstable?: number[];
    otherFails?: number[];
  } = {},
  repeats = 1
): SampleCase[] {
  const has = (list: number[] | undefined, i: number) => (list ?? []).includes(i);
  return Array.from({ length: n }, (_, i) => {
    const verdict = has(marks.error, i)
      ? 'error'
      : has(marks.hallucinated, i) || has(marks.critical, i)
        ? 'hallucinated'
        : 'pass';
    const verdicts: SampleCase['verdicts'] = has(marks.unstable, i)
      ? (['pass', 'hallucinated', 'pass'].slice(0, Math.max(2, repeats)) as SampleCase['verdicts'])
      : Array.from({ length: repeats }, () => verdict);
    return {
      caseId: `T-${String(i + 1).padStart(4, '0')}`,
      category: CATEGORIES[i % CATEGORIES.length]!,
      severity: has(marks.critical, i) ? 'critical' : i % 3 === 0 ? 'major' : 'minor',
      verdicts,
      otherAssertionFails: has(marks.otherFails, i)
    };
  });
}

export function promptHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const REASONS = {
  pass: 'Every claim in the answer is supported by the retrieved help-center articles.',
  hallucinated: 'The answer states a refund window of 60 days; the policy article says 30 days.',
  critical: 'The answer invents a security guarantee ("all data is encrypted end to end") that no source states.'
};

function rubric(c: SampleCase, v: 'pass' | 'hallucinated') {
  const reason = v === 'pass' ? REASONS.pass : c.severity === 'critical' ? REASONS.critical : REASONS.hallucinated;
  return {
    pass: v === 'pass',
    // promptfoo scores are "higher = better"; the adapter never reads them
    score: v === 'pass' ? 1 : 0,
    reason,
    assertion: {
      type: 'llm-rubric',
      metric: 'hallucination',
      value: 'The answer makes no claim the context does not support.'
    }
  };
}

/** promptfoo OutputFile, results version 3 (the current format) or 2. */
export function promptfooRun(spec: SampleRunSpec, version: 2 | 3 = 3): unknown {
  const promptId = promptHash(spec.promptText);
  let testIdx = 0;
  const results: unknown[] = [];
  let successes = 0;
  let failures = 0;
  let errors = 0;
  // promptfoo runs every test once per repeat: repeat r of all tests, then the next
  const repeats = Math.max(...spec.cases.map((c) => c.verdicts.length));
  for (let r = 0; r < repeats; r++) {
    for (const c of spec.cases) {
      const v = c.verdicts[r];
      if (!v) continue;
      const testCase = {
        description: `ticket ${c.caseId}`,
        vars: { question: `Customer question ${c.caseId}` },
        assert: [
          {
            type: 'llm-rubric',
            metric: 'hallucination',
            value: 'The answer makes no claim the context does not support.'
          },
          { type: 'latency', threshold: 4000 }
        ],
        metadata: { case_id: c.caseId, category: c.category, severity: c.severity }
      };
      const base = {
        id: `${spec.runId}-${r}-${c.caseId}`,
        promptIdx: 0,
        testIdx: testIdx++,
        testCase,
        promptId,
        provider: { id: spec.model, label: '' },
        prompt: { raw: spec.promptText, label: 'support-answer' },
        vars: testCase.vars,
        latencyMs: 1200,
        cost: 0.0004,
        namedScores: {} as Record<string, number>,
        metadata: {}
      };
      if (v === 'error') {
        errors++;
        results.push({
          ...base,
          error: 'API error: 429 Too Many Requests',
          failureReason: 2,
          success: false,
          score: 0,
          response: { error: 'API error: 429 Too Many Requests' },
          gradingResult: null
        });
        continue;
      }
      const hall = rubric(c, v);
      const latency = {
        pass: !c.otherAssertionFails,
        score: c.otherAssertionFails ? 0 : 1,
        reason: c.otherAssertionFails ? 'Latency 5230ms is greater than threshold 4000ms' : 'Assertion passed',
        assertion: { type: 'latency', threshold: 4000 }
      };
      const success = hall.pass && latency.pass;
      if (success) successes++;
      else failures++;
      results.push({
        ...base,
        namedScores: { hallucination: hall.score },
        response: { output: `Answer to ${c.caseId}`, tokenUsage: { total: 420, prompt: 300, completion: 120 } },
        error: success ? null : hall.pass ? latency.reason : hall.reason,
        failureReason: success ? 0 : 1,
        success,
        score: (hall.score + latency.score) / 2,
        gradingResult: {
          pass: success,
          score: (hall.score + latency.score) / 2,
          reason: success ? 'All assertions passed' : (hall.pass ? latency : hall).reason,
          namedScores: { hallucination: hall.score },
          componentResults: [hall, latency]
        }
      });
    }
  }
  const stats = {
    successes,
    failures,
    errors,
    tokenUsage: {
      total: 420 * results.length,
      prompt: 300 * results.length,
      completion: 120 * results.length,
      cached: 0
    }
  };
  const config = {
    description: spec.dataset,
    providers: [spec.model],
    prompts: [spec.promptText],
    defaultTest: { options: { provider: spec.judge } },
    evaluateOptions: { repeat: repeats }
  };
  const summary =
    version === 3
      ? {
          version: 3,
          timestamp: spec.timestamp,
          prompts: [{ raw: spec.promptText, label: 'support-answer', id: promptId, provider: spec.model }],
          results,
          stats
        }
      : {
          version: 2,
          timestamp: spec.timestamp,
          results,
          stats,
          table: { head: { prompts: [], vars: ['question'] }, body: [] }
        };
  return {
    evalId: spec.runId,
    results: summary,
    config,
    shareableUrl: null,
    metadata: { promptfooVersion: version === 3 ? '0.118.0' : '0.49.0' }
  };
}

/**
 * A DeepEval test run (camelCase, as `deepeval test run` saves it). `scoreHigherIsBetter` false writes the scores
 * the old way round (a hallucination score of 1 = hallucinated), true the new way: `success` is the same either way.
 */
export function deepevalRun(
  spec: SampleRunSpec,
  scoreHigherIsBetter = true,
  promptVersion = promptHash(spec.promptText)
): unknown {
  const testCases: unknown[] = [];
  let passed = 0;
  let failed = 0;
  let order = 0;
  for (const c of spec.cases)
    for (const v of c.verdicts) {
      const metric =
        v === 'error'
          ? {
              name: 'Hallucination',
              threshold: 0.5,
              success: null,
              score: null,
              reason: null,
              strictMode: false,
              evaluationModel: spec.judge,
              error: 'Evaluation LLM outputted an invalid JSON. Please use a better evaluation model.',
              evaluationCost: 0
            }
          : {
              name: 'Hallucination',
              threshold: 0.5,
              success: v === 'pass',
              score: (v === 'pass') === scoreHigherIsBetter ? 0.9 : 0.1,
              reason: v === 'pass' ? REASONS.pass : c.severity === 'critical' ? REASONS.critical : REASONS.hallucinated,
              strictMode: false,
              evaluationModel: spec.judge,
              error: null,
              evaluationCost: 0.0011
            };
      if (v === 'pass') passed++;
      else failed++;
      testCases.push({
        name: `test_case_${order}`,
        input: `Customer question ${c.caseId}`,
        actualOutput: `Answer to ${c.caseId}`,
        expectedOutput: null,
        context: ['Refunds are accepted within 30 days of purchase.'],
        retrievalContext: null,
        success: v === 'pass',
        metricsData: [metric],
        runDuration: 1.8,
        evaluationCost: 0.0011,
        order: order++,
        metadata: { case_id: c.caseId, category: c.category, severity: c.severity }
      });
    }
  return {
    testFile: 'test_support_answers.py',
    testCases,
    conversationalTestCases: [],
    metricsScores: [{ metric: 'Hallucination', scores: [], passes: passed, fails: failed, errors: 0 }],
    hyperparameters: {
      model: spec.model,
      prompt_version: promptVersion,
      dataset: spec.dataset,
      run_at: spec.timestamp
    },
    identifier: spec.runId,
    testPassed: passed,
    testFailed: failed,
    runDuration: 1.8 * testCases.length,
    evaluationCost: 0.0011 * testCases.length
  };
}

/** A human audit CSV (case_id,category,severity,verdict,reviewer,reason); repeats are second reviewers. */
export function auditCsv(cases: SampleCase[]): string {
  const lines = ['case_id,category,severity,verdict,reviewer,reason'];
  for (const c of cases)
    c.verdicts.forEach((v, r) => {
      const reason =
        v === 'pass'
          ? 'supported by the cited article'
          : v === 'error'
            ? 'transcript missing'
            : 'states a price the price list does not have';
      lines.push(
        [c.caseId, c.category, c.severity, v, r === 0 ? 'maria.lopez' : 'sam.okafor', `"${reason}"`].join(',')
      );
    });
  return `${lines.join('\n')}\n`;
}
