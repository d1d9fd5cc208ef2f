/** `gtm audit ingest` as a user runs it: a store is written once, a refused file leaves no store behind. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGtm } from '../../test-support/runGtm';
import { deepevalRun, promptfooRun, sampleCases } from '../sampleRuns';
import { spec, storeWithDeal, tempDir, writeJson } from './auditFixtures';

let dir: string;
let storeFile: string;
let opportunityId: string;

beforeAll(async () => {
  dir = tempDir();
  storeFile = path.join(dir, 'store.duckdb');
  const made = await storeWithDeal(storeFile);
  opportunityId = made.opportunityId;
  await made.store.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const ingest = (file: string, ...extra: string[]) =>
  runGtm([
    'audit',
    'ingest',
    file,
    '--opportunity',
    opportunityId,
    '--store',
    storeFile,
    '--as-of',
    '2026-06-15',
    ...extra
  ]);

it('writes once, says so the second time, and a dry run writes nothing', () => {
  const file = writeJson(dir, 'run.json', promptfooRun(spec('eval-cli', sampleCases(300, { hallucinated: [4, 8] }))));
  const dry = ingest(file, '--dry-run', '--json');
  expect(dry.code).toBe(0);
  expect(JSON.parse(dry.stdout)).toMatchObject({
    status: 'dry-run',
    dealGate: { status: 'Passed', responses: 300, hallucinated: 2 }
  });
  const first = ingest(file, '--json');
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({
    status: 'written',
    summary: { cases: 300, pass: 298, hallucinated: 2, error: 0 }
  });
  const again = ingest(file);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain(`already stored as ${opportunityId}|eval-cli; nothing was written`);
});

it('a file of the wrong kind stops before the store is opened: no store file is made', () => {
  const fresh = path.join(dir, 'fresh.duckdb');
  const file = writeJson(dir, 'de.json', deepevalRun(spec('de-cli', sampleCases(5))));
  const r = runGtm([
    'audit',
    'ingest',
    file,
    '--opportunity',
    opportunityId,
    '--store',
    fresh,
    '--format',
    'promptfoo'
  ]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(
    /is not a promptfoo results file \(--format promptfoo\): it looks like a DeepEval test run; nothing was written/
  );
  expect(fs.existsSync(fresh)).toBe(false);
});

it('usage errors exit 2', () => {
  const file = writeJson(dir, 'u.json', promptfooRun(spec('eval-u', sampleCases(5))));
  expect(ingest(file, '--as-of', '15/06/2026').code).toBe(2);
  expect(runGtm(['audit', 'ingest', file, '--store', storeFile]).code).toBe(2); // --opportunity is required
  expect(ingest(file, '--target-org', 'x').code).toBe(2);
});

it('--run-at is read like the usage sync reads instants: a basic-format offset or an impossible day exits 2 naming why', () => {
  const file = writeJson(dir, 'r.json', promptfooRun(spec('eval-r', sampleCases(5))));
  const offset = ingest(file, '--run-at', '2026-06-10T09:00:00+0530', '--dry-run');
  expect(offset.code).toBe(2);
  expect(offset.stderr).toMatch(
    /--run-at 2026-06-10T09:00:00\+0530: has its offset without a colon \(\+0530\): write it \+05:30/
  );
  const day = ingest(file, '--run-at', '2026-02-30', '--dry-run');
  expect(day.code).toBe(2);
  expect(day.stderr).toMatch(/--run-at 2026-02-30: is not a real date/);
  expect(ingest(file, '--run-at', '2026-06-10T09:00:00-02:00', '--dry-run').code).toBe(0);
});

it('gtm audit review sets a verdict and prints the recount; usage errors exit 2', () => {
  const file = writeJson(dir, 'v.json', promptfooRun(spec('eval-v', sampleCases(300, { hallucinated: [1, 2, 3] }))));
  expect(ingest(file).code).toBe(0);
  const review = (...extra: string[]) =>
    runGtm(['audit', 'review', opportunityId, '--store', storeFile, '--as-of', '2026-06-15', ...extra]);
  const set = review('--case', 'T-0002', '--run', 'eval-v', '--verdict', 'not hallucinated', '--reason', 'grounded');
  expect(set.code).toBe(0);
  expect(set.stderr + set.stdout).toMatch(
    /T-0002 \(run eval-v\): set judge hallucinated -> not hallucinated: grounded/
  );
  expect(set.stderr + set.stdout).toMatch(
    /audit eval-v: hallucinated 3 -> 2, critical 0 -> 0 \(1 judge verdict overturned\)/
  );
  expect(review('--case', 'T-0002', '--verdict', 'maybe', '--reason', 'x').code).toBe(2);
  expect(review('--case', 'T-0002', '--verdict', 'hallucinated').code).toBe(2);
  expect(review('--file', 'x.csv', '--case', 'T-0002').code).toBe(2);
  const unknown = review('--case', 'T-9999', '--run', 'eval-v', '--verdict', 'hallucinated', '--reason', 'x');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/case T-9999 of run eval-v is not a kept case/);
});

it('review and evidence read a store that must exist: a mistyped --store is named and no empty store is made', () => {
  const typo = path.join(dir, 'stroe.duckdb');
  for (const args of [
    ['review', opportunityId, '--case', 'T-0002', '--verdict', 'hallucinated', '--reason', 'x', '--store', typo],
    ['evidence', opportunityId, '--store', typo]
  ]) {
    const r = runGtm(['audit', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: no local store at ${typo}`);
    expect(fs.existsSync(typo)).toBe(false);
  }
});
