import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPolicyFile } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import type { LocalStore } from '../../store/localStore';
import { loadSchema } from '../../metadata/schema';
import { queryRows } from '../../workbench/controllers/storeAccess';
import { currentItems, loadItems } from '../dealGate';
import { ingestAudit } from '../ingest';
import { gatherEvidence, renderMarkdown } from '../evidence';
import { auditCsv, promptfooRun, promptHash, sampleCases } from '../sampleRuns';
import { MODEL, PROMPT, spec, storeWithDeal, tempDir, writeJson } from './auditFixtures';

const policy = loadPolicyFile();
const TODAY = '2026-06-15';
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

const ingest = (file: string, dryRun = false) =>
  ingestAudit(
    file,
    { format: 'auto', opportunity: opportunityId, dryRun, today: TODAY },
    createLocalSink(store),
    policy
  );
const count = async (object: string) => Number((await queryRows(store, `SELECT count(*) AS n FROM "${object}"`))[0]!.n);
const gate = async () =>
  (
    await queryRows(
      store,
      `SELECT "Status__c", "Sample_Size__c", "Measured_Value__c", "Evidence__c" FROM "GTM_Launch_Gate__c" WHERE "Gate_Key__c" = $k`,
      { k: `gate-hallucination-audit:${opportunityId}` }
    )
  )[0]!;

it('stores the audit, every failing case and a bounded sample of passing ones, and updates the deal gate', async () => {
  const file = writeJson(
    dir,
    'run.json',
    promptfooRun(spec('eval-1', sampleCases(500, { hallucinated: [10, 20, 30, 40] })))
  );
  const r = await ingest(file);
  expect(r.status).toBe('written');
  expect(r.failed).toEqual([]);
  const [audit] = await queryRows(store, `SELECT * FROM "Hallucination_Audit__c"`);
  expect(audit).toMatchObject({
    Responses__c: 500,
    Hallucinated__c: 4,
    Critical__c: 0,
    Gate_Status__c: 'Passed',
    Rate__c: 0.008,
    Upper_Bound_95__c: 0.0177,
    Source_Tool__c: 'promptfoo'
  });
  expect(audit!.File_Sha256__c).toBe(r.read.sha256);
  expect(await count('Hallucination_Audit_Item__c')).toBe(4 + policy.integer('Hallucination_Audit_Passing_Items'));
  expect(await gate()).toMatchObject({ Status__c: 'Passed', Sample_Size__c: 500, Measured_Value__c: 0.008 });
});

it('the same file twice writes nothing the second time', async () => {
  const file = writeJson(dir, 'run.json', promptfooRun(spec('eval-1', sampleCases(200, { hallucinated: [1] }))));
  await ingest(file);
  await store.db.run(`UPDATE "GTM_Launch_Gate__c" SET "Status__c" = 'Pending'`); // a write would set it back
  const again = await ingest(file);
  expect(again.status).toBe('unchanged');
  expect(again.existing).toBe(`${opportunityId}|eval-1`);
  expect((await gate()).Status__c).toBe('Pending');
  expect(await count('Hallucination_Audit__c')).toBe(1);
});

it('a dry run judges and writes nothing', async () => {
  const file = writeJson(dir, 'run.json', promptfooRun(spec('eval-1', sampleCases(200, { hallucinated: [1] }))));
  const r = await ingest(file, true);
  expect(r.status).toBe('dry-run');
  expect(r.dealGate.result.status).toBe('Provisional');
  expect(await count('Hallucination_Audit__c')).toBe(0);
  expect(await count('Hallucination_Audit_Item__c')).toBe(0);
});

it('pools two runs of one version within a week: a clean second run does not hide the first', async () => {
  await ingest(
    writeJson(
      dir,
      'a.json',
      promptfooRun(spec('eval-a', sampleCases(100, { hallucinated: [1, 2, 3] }), '2026-06-08T09:00:00Z'))
    )
  );
  const r = await ingest(
    writeJson(dir, 'b.json', promptfooRun(spec('eval-b', sampleCases(200), '2026-06-10T09:00:00Z')))
  );
  expect(r.auditGate.status).toBe('Passed');
  expect(r.dealGate.result).toMatchObject({
    status: 'Provisional',
    responses: 300,
    hallucinated: 3,
    runIds: ['eval-b', 'eval-a']
  });
  expect(await gate()).toMatchObject({ Status__c: 'Provisional', Sample_Size__c: 300 });
});

it('a critical hallucination fails the deal gate', async () => {
  await ingest(writeJson(dir, 'c.json', promptfooRun(spec('eval-c', sampleCases(500, { critical: [7] })))));
  expect((await gate()).Status__c).toBe('Failed');
  expect(String((await gate()).Evidence__c)).toMatch(/critical hallucinations found: 1/);
});

it('an audit of another model expires the gate', async () => {
  const other = { ...spec('eval-old', sampleCases(300)), model: 'openai:gpt-4o-2024-08-06' };
  const r = await ingest(writeJson(dir, 'old.json', promptfooRun(other)));
  expect(r.dealGate.result.status).toBe('Expired');
  expect(r.dealGate.result.reasons[0]).toMatch(
    /tested model openai:gpt-4o-2024-08-06.*the deal deploys model openai:gpt-4.1-2025-04-14/
  );
});

it('names an opportunity the store does not have', async () => {
  const file = writeJson(dir, 'run.json', promptfooRun(spec('eval-1', sampleCases(5))));
  await expect(
    ingestAudit(
      file,
      { format: 'auto', opportunity: '006L00000000009999', dryRun: false, today: TODAY },
      createLocalSink(store),
      policy
    )
  ).rejects.toThrow(/--opportunity 006L00000000009999: no such Opportunity/);
  expect(await count('Hallucination_Audit__c')).toBe(0);
});

it('a human audit with second reviews stores the reviewers agreement, and the evidence sheet states it', async () => {
  const cases = sampleCases(10);
  for (const i of [0, 1, 2]) cases[i]!.verdicts = ['pass', 'pass'];
  cases[3]!.verdicts = ['pass', 'hallucinated'];
  const file = path.join(dir, 'human.csv');
  fs.writeFileSync(file, auditCsv(cases));
  const r = await ingestAudit(
    file,
    {
      format: 'auto',
      opportunity: opportunityId,
      dryRun: false,
      today: TODAY,
      model: MODEL,
      promptVersion: promptHash(PROMPT),
      runAt: '2026-06-12'
    },
    createLocalSink(store),
    policy
  );
  expect(r.read.summary).toMatchObject({ multiScored: 4, agreed: 3, unstable: 1 });
  const [audit] = await queryRows(store, `SELECT "Human_Agreement__c", "Judge__c" FROM "Hallucination_Audit__c"`);
  expect(audit).toEqual({ Human_Agreement__c: 0.75, Judge__c: 'human (maria.lopez, sam.okafor)' });
  const md = renderMarkdown(await gatherEvidence(createLocalSink(store), opportunityId, policy, TODAY));
  expect(md).toContain('- **Human agreement:** 75.00% of double-reviewed cases (human audit human.csv)');
});

describe('review findings', () => {
  const items = async () =>
    queryRows(
      store,
      `SELECT i."Case_Id__c", i."File_Sha256__c", i."Item_Key__c" FROM "Hallucination_Audit_Item__c" i ORDER BY 1, 2`
    );

  it('a newer file of the same run replaces the audit: the old file items stay on record, not counted, and it says so', async () => {
    const first = await ingest(
      writeJson(dir, 'run.json', promptfooRun(spec('eval-1', sampleCases(300, { hallucinated: [1, 2, 3] }))))
    );
    const second = await ingest(
      writeJson(
        dir,
        'run2.json',
        promptfooRun(spec('eval-1', sampleCases(300, { hallucinated: [5] }), '2026-06-11T09:00:00.000Z'))
      )
    );
    expect(second.status).toBe('written');
    const passing = policy.integer('Hallucination_Audit_Passing_Items');
    expect(second.replaced).toEqual({ sha256: first.read.sha256, itemsKept: 3 + passing });
    const rows = await items();
    expect(rows.filter((r) => r.File_Sha256__c === first.read.sha256)).toHaveLength(3 + passing);
    expect(rows.filter((r) => r.File_Sha256__c === second.read.sha256)).toHaveLength(1 + passing);
    // one audit, counted from the newer file only
    const [audit] = await queryRows(store, `SELECT * FROM "Hallucination_Audit__c"`);
    expect(audit).toMatchObject({ Hallucinated__c: 1, Judge_Hallucinated__c: 1, File_Sha256__c: second.read.sha256 });
    expect(second.dealGate.result).toMatchObject({ responses: 300, hallucinated: 1 });
    const current = currentItems(
      { ...audit!, Audit_Key__c: String(audit!.Audit_Key__c) },
      await loadItems(createLocalSink(store))
    );
    expect(current.map((i) => i.File_Sha256__c)).toEqual(Array(1 + passing).fill(second.read.sha256));
    expect(current.filter((i) => i.Verdict__c === 'hallucinated').map((i) => i.Case_Id__c)).toEqual(['T-0006']);
  });

  it('a run time with an offset is taken at that offset; a basic-format offset or an impossible date is refused by name', async () => {
    const late = await ingest(
      writeJson(dir, 'late.json', promptfooRun(spec('eval-late', sampleCases(5), '2026-06-10T23:30:00-02:00')))
    );
    expect(late.read.run.runAt).toBe('2026-06-11T01:30:00.000Z');
    await expect(
      ingest(writeJson(dir, 'basic.json', promptfooRun(spec('eval-b', sampleCases(5), '2026-06-10T09:00:00+0530'))))
    ).rejects.toThrow(
      /basic\.json: run time "2026-06-10T09:00:00\+0530" \(results\.timestamp\) has its offset without a colon \(\+0530\): write it \+05:30; accepted: 2026-03-02T10:00:00Z.*nothing was written/
    );
    await expect(
      ingest(writeJson(dir, 'feb.json', promptfooRun(spec('eval-f', sampleCases(5), '2026-02-30T09:00:00Z'))))
    ).rejects.toThrow(/run time "2026-02-30T09:00:00Z" \(results\.timestamp\) is not a real date and time/);
    expect(await count('Hallucination_Audit__c')).toBe(1);
  });

  it('an evidence breakdown longer than Evidence__c is stored as valid JSON that says what it left out', async () => {
    const cases = sampleCases(3000, { unstable: Array.from({ length: 400 }, (_, i) => i * 7) }, 3);
    for (const [i, c] of cases.entries()) c.category = `category ${String(i).padStart(4, '0')} ${'x'.repeat(20)}`;
    await ingest(writeJson(dir, 'wide.json', promptfooRun(spec('eval-wide', cases))));
    const [audit] = await queryRows(store, `SELECT "Evidence__c" FROM "Hallucination_Audit__c"`);
    const text = String(audit!.Evidence__c);
    const max = loadSchema().field('Hallucination_Audit__c', 'Evidence__c').length!;
    expect(text.length).toBeLessThanOrEqual(max);
    const evidence = JSON.parse(text) as { cases: number; byCategory: unknown[]; omitted: Record<string, number> };
    expect(evidence.cases).toBe(3000);
    expect(evidence.omitted.unstable).toBeGreaterThan(0);
    expect(evidence.byCategory.length + (evidence.omitted.byCategory ?? 0)).toBe(3000);
    const sheet = await gatherEvidence(createLocalSink(store), opportunityId, policy, TODAY);
    expect(sheet.categoriesNotListed).toBe(evidence.omitted.byCategory);
    expect(renderMarkdown(sheet)).toContain(
      `${evidence.omitted.byCategory} more categories are counted in the rate but not listed`
    );
  });

  it('text is cut at the length force-app gives the field, not a number restated here', async () => {
    const runId = `eval-${'r'.repeat(400)}`;
    await ingest(writeJson(dir, 'long.json', promptfooRun(spec(runId, sampleCases(5)))));
    const [audit] = await queryRows(store, `SELECT "Run_Id__c", "Name" FROM "Hallucination_Audit__c"`);
    expect(String(audit!.Run_Id__c)).toBe(
      runId.slice(0, loadSchema().field('Hallucination_Audit__c', 'Run_Id__c').length)
    );
    expect(String(audit!.Name)).toHaveLength(80);
  });
});
