/** `gtm audit gate` as CI runs it: the exit code of every state, and a printed verdict that agrees with it. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGtm } from '../../test-support/runGtm';
import { auditCsv, promptfooRun, sampleCases } from '../sampleRuns';
import { spec, tempDir, writeJson } from './auditFixtures';

let dir: string;
beforeAll(() => (dir = tempDir()));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (cases: ReturnType<typeof sampleCases>, name: string) =>
  writeJson(dir, name, promptfooRun(spec(name, cases)));

it.each([
  ['Passed', () => run(sampleCases(300, { hallucinated: [1, 2] }), 'passed.json'), [], 0],
  ['Provisional', () => run(sampleCases(300, { hallucinated: [1, 2, 3] }), 'prov.json'), [], 100],
  ['Failed', () => run(sampleCases(300, { critical: [4] }), 'failed.json'), [], 100],
  ['Pending', () => run(sampleCases(150), 'pending.json'), [], 100],
  ['Passed', () => run(sampleCases(200, { hallucinated: [1, 2, 3, 4] }), 'point.json'), ['--basis', 'point'], 0],
  [
    'Provisional',
    () => run(sampleCases(200, { hallucinated: [1, 2, 3, 4] }), 'strict.json'),
    ['--basis', 'upper_bound'],
    100
  ],
  ['Passed', () => run(sampleCases(150), 'minsample.json'), ['--min-sample', '100'], 0],
  ['Failed', () => run(sampleCases(300, { hallucinated: [1, 2] }), 'maxrate.json'), ['--max-rate', '0.005'], 100]
] as const)('%s exits with its code (%#)', (status, make, extra, code) => {
  const r = runGtm(['audit', 'gate', '--file', make(), ...extra, '--json']);
  expect(r.code).toBe(code);
  const out = JSON.parse(r.stdout) as { status: string; exitCode: number };
  expect(out).toMatchObject({ status, exitCode: code });
  const text = runGtm(['audit', 'gate', '--file', make(), ...extra]);
  expect(text.code).toBe(code);
  expect(text.stdout.split('\n')[0]).toMatch(new RegExp(`^hallucination gate: ${status} \\(exit ${code}\\)`));
});

it.each([
  [['--basis', 'best_of'], /--basis best_of: expected point or upper_bound/],
  [['--max-rate', '2'], /--max-rate 2: expected a rate between 0 and 1/],
  [['--min-sample', '0'], /--min-sample 0: expected a whole number/],
  [['--format', 'xml'], /--format xml: expected one of auto, promptfoo, deepeval, csv/]
])('a usage error exits 2: %j', (extra, message) => {
  const r = runGtm(['audit', 'gate', '--file', run(sampleCases(5), 'usage.json'), ...extra]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
});

it('a file of the wrong kind exits 1 with one message, not 0 or 100', () => {
  const file = path.join(dir, 'human.csv');
  fs.writeFileSync(file, auditCsv(sampleCases(3)));
  const r = runGtm(['audit', 'gate', '--file', file, '--format', 'promptfoo']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/is not a promptfoo results file \(--format promptfoo\): it looks like a human audit CSV/);
});
