import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../lib/errors';
import { loadPolicyFile } from '../../policy/policy';
import { readAuditFile } from '../ingest';
import { auditCsv, deepevalRun, promptfooRun, sampleCases } from '../sampleRuns';
import { spec, tempDir, writeJson } from './auditFixtures';

const policy = loadPolicyFile();
let dir: string;
beforeAll(() => (dir = tempDir()));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const read = (file: string, format: 'auto' | 'promptfoo' | 'deepeval' | 'csv' = 'auto', extra = {}) =>
  readAuditFile(file, { format, ...extra }, policy);

describe('promptfoo results', () => {
  it.each([3, 2] as const)(
    'version %s: a failed hallucination assertion is hallucinated, another failed assertion is not',
    (version) => {
      const cases = sampleCases(40, { hallucinated: [1, 2], otherFails: [5, 6] });
      const r = read(writeJson(dir, `p${version}.json`, promptfooRun(spec(`eval-v${version}`, cases), version)));
      expect(r.format).toBe('promptfoo');
      expect(r.summary).toMatchObject({ cases: 40, pass: 38, hallucinated: 2, error: 0, responses: 38 + 2 });
      expect(r.run).toMatchObject({
        tool: 'promptfoo',
        runId: `eval-v${version}`,
        model: 'openai:gpt-4.1-2025-04-14',
        runAt: '2026-06-10T09:00:00.000Z',
        judge: 'openai:gpt-4.1-mini'
      });
      expect(r.run.promptVersion).toMatch(/^[0-9a-f]{64}$/);
    }
  );

  it('reads success of the metric, never score: a passing case with score 0 stays a pass', () => {
    const file = promptfooRun(spec('eval-score', sampleCases(10))) as {
      results: { results: { score: number; gradingResult: { score: number } }[] };
    };
    for (const r of file.results.results) r.score = r.gradingResult.score = 0;
    expect(read(writeJson(dir, 'score.json', file)).summary.hallucinated).toBe(0);
  });

  it('counts an errored result (failureReason 2) as unscored, and cases add up', () => {
    const r = read(
      writeJson(dir, 'err.json', promptfooRun(spec('eval-err', sampleCases(100, { error: [3], hallucinated: [4] }))))
    );
    expect(r.summary).toMatchObject({ cases: 100, pass: 98, hallucinated: 1, error: 1, responses: 99 });
    expect(r.summary.pass + r.summary.hallucinated + r.summary.error).toBe(r.summary.cases);
  });

  it('refuses another results version by name', () => {
    const file = promptfooRun(spec('eval-v4', sampleCases(5))) as { results: { version: number } };
    file.results.version = 4;
    expect(() => read(writeJson(dir, 'v4.json', file))).toThrow(
      /promptfoo results version 4 is not supported \(versions 2 and 3 are\)/
    );
  });

  it('refuses a metric no result has, naming --metric', () => {
    const file = writeJson(dir, 'metric.json', promptfooRun(spec('eval-m', sampleCases(5))));
    expect(() => read(file, 'auto', { metric: 'faithfulness' })).toThrow(
      /no result has an assertion with metric "faithfulness".*--metric/
    );
  });

  it('takes the majority of repeats, a tie as hallucinated, and lists a disagreeing case as unstable with each reason', () => {
    const cases = sampleCases(20, { unstable: [0] }, 3);
    cases[1]!.verdicts = ['pass', 'hallucinated'];
    cases[2]!.verdicts = ['hallucinated', 'hallucinated', 'pass'];
    const r = read(writeJson(dir, 'rep.json', promptfooRun(spec('eval-rep', cases))));
    const byId = new Map(r.summary.verdicts.map((v) => [v.caseId, v]));
    expect(byId.get('T-0001')).toMatchObject({ unstable: true, verdict: 'hallucinated' });
    expect(byId.get('T-0001')!.repeats.map((x) => x.verdict)).toEqual(['pass', 'hallucinated', 'pass']);
    expect(byId.get('T-0001')!.repeats[1]!.reason).toMatch(/refund window/);
    expect(byId.get('T-0002')).toMatchObject({ unstable: true, verdict: 'hallucinated' });
    expect(r.summary).toMatchObject({ cases: 20, unstable: 3, hallucinated: 3, repeats: 3 });
  });

  it('with Hallucination_Unstable_As_Fail false, an unstable case takes its majority (ties still hallucinated)', () => {
    const cases = sampleCases(10, { unstable: [0] }, 3);
    cases[1]!.verdicts = ['pass', 'hallucinated'];
    const file = writeJson(dir, 'rep2.json', promptfooRun(spec('eval-rep2', cases)));
    const lenient = {
      ...policy,
      boolean: (k: string) => (k === 'Hallucination_Unstable_As_Fail' ? false : policy.boolean(k))
    };
    const r = readAuditFile(
      file,
      { format: 'auto' },
      Object.assign(Object.create(Object.getPrototypeOf(policy)), policy, lenient)
    );
    const byId = new Map(r.summary.verdicts.map((v) => [v.caseId, v.verdict]));
    expect([byId.get('T-0001'), byId.get('T-0002')]).toEqual(['pass', 'hallucinated']);
  });
});

describe('DeepEval test runs', () => {
  it.each([
    ['after the score flip (higher = better)', true],
    ['before the score flip (1 = hallucinated)', false]
  ])('%s: the verdict comes from success', (_name, higherIsBetter) => {
    const cases = sampleCases(30, { hallucinated: [2], critical: [7], error: [] });
    const r = read(
      writeJson(dir, `de-${String(higherIsBetter)}.json`, deepevalRun(spec('de-run', cases), higherIsBetter))
    );
    expect(r.format).toBe('deepeval');
    expect(r.summary).toMatchObject({ cases: 30, hallucinated: 2, critical: 1, error: 0 });
    expect(r.run).toMatchObject({
      tool: 'deepeval',
      runId: 'de-run',
      model: 'openai:gpt-4.1-2025-04-14',
      judge: 'openai:gpt-4.1-mini'
    });
  });

  it('a metric with an error is unscored; above Audit_Max_Error_Rate the file is refused before any write', () => {
    const ok = read(writeJson(dir, 'de-err1.json', deepevalRun(spec('de-e', sampleCases(100, { error: [1, 2, 3] })))));
    expect(ok.summary).toMatchObject({ error: 3, responses: 97 });
    const file = writeJson(
      dir,
      'de-err2.json',
      deepevalRun(spec('de-e2', sampleCases(100, { error: [1, 2, 3, 4, 5, 6] })))
    );
    expect(() => read(file)).toThrow(/6 of 100 cases errored, more than Audit_Max_Error_Rate 0.05 allows/);
  });

  it('refuses a metric name no case measured', () => {
    const file = writeJson(dir, 'de-m.json', deepevalRun(spec('de-m', sampleCases(5))));
    expect(() => read(file, 'deepeval', { metric: 'Toxicity' })).toThrow(/no test case has a metric named Toxicity/);
  });
});

describe('human audit CSV', () => {
  it('reads case_id,category,severity,verdict,reviewer,reason, with the run from the options', () => {
    const file = path.join(dir, 'human.csv');
    fs.writeFileSync(file, auditCsv(sampleCases(12, { hallucinated: [3], critical: [4] })));
    const r = read(file, 'auto', { model: 'm-1', promptVersion: 'v7', runAt: '2026-06-02' });
    expect(r.summary).toMatchObject({ cases: 12, hallucinated: 2, critical: 1 });
    expect(r.run).toMatchObject({ tool: 'csv', model: 'm-1', promptVersion: 'v7', judge: 'human (maria.lopez)' });
  });

  it('names the options it needs when the run is not in the file', () => {
    const file = path.join(dir, 'human2.csv');
    fs.writeFileSync(file, auditCsv(sampleCases(3)));
    expect(() => read(file)).toThrow(/pass --run-at .*--model .*--prompt-version/);
  });

  it('names the line of a bad verdict', () => {
    const file = path.join(dir, 'human3.csv');
    fs.writeFileSync(
      file,
      'case_id,category,severity,verdict,reviewer,reason\nT-1,billing,minor,pass,a,ok\nT-2,billing,minor,maybe,a,hm\n'
    );
    expect(() => read(file, 'csv', { model: 'm', promptVersion: 'p', runAt: '2026-06-01' })).toThrow(
      /line 3: verdict "maybe" is not pass, hallucinated or error/
    );
  });
});

describe('the wrong kind of file', () => {
  it.each([
    [
      'a DeepEval run as promptfoo',
      'promptfoo',
      () => deepevalRun(spec('x', sampleCases(3))),
      /is not a promptfoo results file \(--format promptfoo\): it looks like a DeepEval test run/
    ],
    [
      'a promptfoo file as DeepEval',
      'deepeval',
      () => promptfooRun(spec('x', sampleCases(3))),
      /is not a DeepEval test run \(--format deepeval\): it looks like a promptfoo results file/
    ],
    ['some other JSON', 'auto', () => ({ hello: 'world' }), /is not a run file gtm can read/]
  ] as const)('%s is refused with one message', (_name, format, make, message) => {
    const file = writeJson(dir, `wrong-${format}.json`, make());
    let err: unknown;
    try {
      read(file, format);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
  });
});

// before: a null entry or a componentResults that is not a list failed as "unexpected failure" (exit 70)
describe('a run file with a broken entry', () => {
  const broken = () => {
    const p = promptfooRun(spec('x', sampleCases(3))) as { results: { results: unknown[] } };
    const d = deepevalRun(spec('x', sampleCases(3))) as { testCases: unknown[] };
    const grading = structuredClone(p);
    (grading.results.results[1] as { gradingResult: { componentResults: unknown } }).gradingResult = {
      componentResults: { not: 'a list' }
    } as never;
    return [
      [
        'a null promptfoo result',
        { ...p, results: { ...p.results, results: [p.results.results[0], null] } },
        /results\.results\[1\] is not a test result object/
      ],
      ['a componentResults that is not a list', grading, /componentResults is not a list/],
      ['a null DeepEval test case', { ...d, testCases: [null] }, /testCases\[0\] is not a test case object/],
      [
        'a metricsData that is not a list',
        { ...d, testCases: [{ ...(d.testCases[0] as object), metricsData: {} }] },
        /testCases\[0\]\.metricsData is not a list/
      ]
    ] as const;
  };
  it.each(broken().map(([name], i) => [name, i] as const))('%s is refused naming the entry', (_name, i) => {
    const [, json, message] = broken()[i]!;
    const file = writeJson(dir, `broken-${i}.json`, json);
    let err: unknown;
    try {
      read(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
  });
});
