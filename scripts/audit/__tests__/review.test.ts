/** Human verdicts over the judge: recounted audits and gate, the change logged, bad input refused whole. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPolicyFile } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import type { LocalStore } from '../../store/localStore';
import { queryRows } from '../../workbench/controllers/storeAccess';
import { gatherEvidence, renderMarkdown } from '../evidence';
import { ingestAudit } from '../ingest';
import { readVerdictCsv, reviewCases, type VerdictChange } from '../review';
import { promptfooRun, sampleCases } from '../sampleRuns';
import { spec, storeWithDeal, tempDir, writeJson } from './auditFixtures';

const policy = loadPolicyFile();
const TODAY = '2026-06-15';
const AT = '2026-06-15T10:00:00.000Z';
let dir: string;
let store: LocalStore;
let opportunityId: string;

beforeEach(async () => {
  dir = tempDir();
  ({ store, opportunityId } = await storeWithDeal(path.join(dir, 'store.duckdb')));
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ingest = (name: string, runId: string, cases: ReturnType<typeof sampleCases>) =>
  ingestAudit(
    writeJson(dir, name, promptfooRun(spec(runId, cases))),
    { format: 'auto', opportunity: opportunityId, dryRun: false, today: TODAY },
    createLocalSink(store),
    policy
  );
const review = (changes: VerdictChange[], dryRun = false, reviewer = 'Rita Reviewer') =>
  reviewCases(createLocalSink(store), opportunityId, changes, { reviewer, at: AT, today: TODAY, dryRun }, policy);
const change = (caseId: string, verdict: 'pass' | 'hallucinated', reason = 'checked against the article') => ({
  caseId,
  verdict,
  reason,
  where: '--case'
});
const audit = async () => (await queryRows(store, `SELECT * FROM "Hallucination_Audit__c"`))[0]!;
const item = async (caseId: string) =>
  (await queryRows(store, `SELECT * FROM "Hallucination_Audit_Item__c" WHERE "Case_Id__c" = $c`, { c: caseId }))[0]!;
const gateStatus = async () => (await queryRows(store, `SELECT "Status__c" FROM "GTM_Launch_Gate__c"`))[0]!.Status__c;

it('overturning one of 3 of 300 recounts the audit to 2 of 300, passes the strict gate, and logs who, when, old -> new', async () => {
  await ingest('run.json', 'eval-1', sampleCases(300, { hallucinated: [1, 2, 3] }));
  expect(await gateStatus()).toBe('Provisional');
  const r = await review([change('T-0002', 'pass', 'the refund window is 30 days, as the article says')]);
  expect(r.status).toBe('written');
  expect(r.audits[0]).toMatchObject({
    before: { hallucinated: 3, critical: 0, status: 'Provisional' },
    after: { hallucinated: 2, critical: 0, overrides: 1 }
  });
  expect(await audit()).toMatchObject({
    Judge_Hallucinated__c: 3,
    Hallucinated__c: 2,
    Human_Overrides__c: 1,
    Rate__c: 0.006667,
    Upper_Bound_95__c: 0.019944
  });
  expect(r.dealGate.result).toMatchObject({ responses: 300, hallucinated: 2 });
  // the strict gate allows 2 at 300; the sample deal's fallback decides between Passed and Provisional
  expect(r.dealGate.result.reasons.join(' ')).not.toMatch(/upper bound/);
  expect(await gateStatus()).toBe(r.dealGate.result.status);
  const sheet = renderMarkdown(await gatherEvidence(createLocalSink(store), opportunityId, policy, TODAY));
  expect(sheet).toContain(
    "- **Human review:** 1 judge verdict overturned by reviewers (the judge found 3 hallucinated; the rate above counts the reviewers' verdicts)"
  );
  const it2 = await item('T-0002');
  expect(it2).toMatchObject({
    Verdict__c: 'hallucinated',
    Human_Verdict__c: 'pass',
    Human_Reason__c: 'the refund window is 30 days, as the article says',
    Human_Reviewed_By__c: 'Rita Reviewer'
  });
  expect(it2.Verdict_Log__c).toBe(
    `${AT} Rita Reviewer: judge hallucinated -> not hallucinated: the refund window is 30 days, as the article says`
  );

  // turned back by someone else: a second line, and k back to the judge's
  const back = await review([change('T-0002', 'hallucinated', 'the answer adds a fee')], false, 'Sam Second');
  expect(back.audits[0]!.after).toMatchObject({ hallucinated: 3, overrides: 0 });
  expect(String((await item('T-0002')).Verdict_Log__c).split('\n')).toEqual([
    `${AT} Rita Reviewer: judge hallucinated -> not hallucinated: the refund window is 30 days, as the article says`,
    `${AT} Sam Second: not hallucinated -> hallucinated: the answer adds a fee`
  ]);
  expect(await gateStatus()).toBe('Provisional');
});

it('a passing case a reviewer finds hallucinated and critical fails the gate', async () => {
  await ingest('run.json', 'eval-1', sampleCases(300));
  const passing = (await queryRows(store, `SELECT "Case_Id__c", "Severity__c" FROM "Hallucination_Audit_Item__c"`))[0]!;
  await store.db.run(`UPDATE "Hallucination_Audit_Item__c" SET "Severity__c" = 'critical' WHERE "Case_Id__c" = $c`, {
    c: String(passing.Case_Id__c)
  });
  const r = await review([change(String(passing.Case_Id__c), 'hallucinated', 'invents a warranty')]);
  expect(r.audits[0]!.after).toMatchObject({ hallucinated: 1, critical: 1, status: 'Failed' });
  expect(await gateStatus()).toBe('Failed');
});

it('refuses the lot, naming each problem, and writes nothing', async () => {
  await ingest('run.json', 'eval-1', sampleCases(300, { hallucinated: [1], error: [4] }));
  const before = await audit();
  await expect(
    review([
      change('T-0002', 'pass', ''),
      change('T-9999', 'pass'),
      change('T-0005', 'hallucinated'),
      { ...change('T-0002', 'pass'), where: 'verdicts.csv line 3' }
    ])
  ).rejects.toMatchObject({
    message: '4 verdicts were refused; nothing was written',
    details: [
      '--case: case T-0002 has no reason; say why the judge was right or wrong',
      '--case: case T-9999 is not a kept case of an audit on this deal (kept: every failing or unstable case and a sample of passing ones)',
      '--case: case T-0005 is not a kept case of an audit on this deal (kept: every failing or unstable case and a sample of passing ones)',
      'verdicts.csv line 3: case T-0002 is given a verdict twice'
    ]
  });
  expect(await audit()).toEqual(before);
  expect((await item('T-0002')).Human_Verdict__c).toBeNull();
});

it('a case in two audits needs its run; a dry run recounts and writes nothing', async () => {
  await ingest('a.json', 'eval-a', sampleCases(200, { hallucinated: [1] }));
  await ingest('b.json', 'eval-b', sampleCases(200, { hallucinated: [1] }));
  await expect(review([change('T-0002', 'pass')])).rejects.toMatchObject({
    details: ['--case: case T-0002 is in 2 audits (runs eval-a, eval-b); name the run (--run, or a run_id column)']
  });
  const dry = await review([{ ...change('T-0002', 'pass'), runId: 'eval-b' }], true);
  expect(dry.status).toBe('dry-run');
  expect(dry.audits.map((a) => [a.runId, a.after.hallucinated])).toEqual([['eval-b', 0]]);
  expect(dry.dealGate.result).toMatchObject({ responses: 400, hallucinated: 1 });
  expect((await queryRows(store, `SELECT sum("Hallucinated__c") AS k FROM "Hallucination_Audit__c"`))[0]!.k).toBe(2);
});

it('reads verdicts from CSV and names a verdict it does not know by line', () => {
  const file = path.join(dir, 'verdicts.csv');
  fs.writeFileSync(
    file,
    'case_id,verdict,reason,run_id\nT-0002,not hallucinated,"grounded, per article 12",eval-1\nT-0003,hallucinated,adds a fee,\n'
  );
  expect(readVerdictCsv(file, 'verdicts.csv')).toEqual([
    {
      caseId: 'T-0002',
      runId: 'eval-1',
      verdict: 'pass',
      reason: 'grounded, per article 12',
      where: 'verdicts.csv line 2'
    },
    { caseId: 'T-0003', runId: null, verdict: 'hallucinated', reason: 'adds a fee', where: 'verdicts.csv line 3' }
  ]);
  fs.writeFileSync(file, 'case_id,verdict,reason\nT-0002,maybe,unsure\n');
  expect(() => readVerdictCsv(file, 'verdicts.csv')).toThrow(
    expect.objectContaining({
      details: ['verdicts.csv line 2: verdict "maybe" is not hallucinated or not hallucinated']
    })
  );
});
