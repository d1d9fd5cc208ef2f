/**
 * exp-006 in real Chromium: on the workbench over the sample world with its audits ingested (as `npm start` does),
 * an AE moves Oakridge Clinics, whose audit is Provisional under the strict gate, to Production Approval and is
 * refused with the reason in words; Zephyr Fitness, with a Passed strict audit and a tested fallback, is allowed.
 * Screenshots: .gtm/artifacts/screenshots/e2e-audit-*.png.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ingestSampleAudits, SAMPLE_AUDITS } from '../../audit/sampleAudits';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { startWorkbenchSession, WorkbenchSession } from '../browserHarness';
import type { WorkbenchData } from '../controllerPort';
import { createStoreControllers, createStoreData, createStoreStages } from '../controllers';
import { buildSampleWorld } from '../sampleWorld';

jest.setTimeout(240_000);

let dir: string;
let store: LocalStore;
let data: WorkbenchData;
let session: WorkbenchSession;
const policy = loadPolicyFile();
const PRODUCTION = policy.text('Stage_Production_Approval');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-audit-e2e-'));
  const file = path.join(dir, 'world.duckdb');
  const world = await buildSampleWorld(file);
  store = await LocalStore.open(file, loadSchema());
  await ingestSampleAudits(store, policy, world.today);
  data = createStoreData(store);
  session = await startWorkbenchSession({
    controllers: createStoreControllers(store, world.today),
    data,
    stages: createStoreStages(store, world.today),
    banner: `sample world (audit e2e), today ${world.today}`
  });
});

afterAll(async () => {
  await session?.close();
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

async function openDeal(state: string) {
  const name = SAMPLE_AUDITS.find((a) => a.expected === state)!.deal;
  const o = (await data.listOpportunities()).find((x) => x.name === name)!;
  const page = await session.open(`/lightning/r/Opportunity/${encodeURIComponent(o.id)}/view`);
  await page.locator('c-pilot-scorecard [data-id="score"]').waitFor({ timeout: 15_000 });
  return { o, page };
}

it('a Provisional audit is refused production approval with the reason in words', async () => {
  const { o, page } = await openDeal('Provisional');
  await page.selectOption('#wb-stage', PRODUCTION);
  await page.click('[data-action="save-stage"]');
  const refusal = page.locator('.wb-stage-refused');
  await refusal.waitFor({ timeout: 15_000 });
  expect((await refusal.locator('.wb-stage-blockers li').allTextContents()).map(squash)).toEqual([
    'hallucination gate is Provisional: the one-sided 95% upper bound 2.21% (1 of 200) is above the 0.02 maximum; at n = 200 the strict gate allows 0'
  ]);
  await session.screenshot(page, 'e2e-audit-provisional-refused');
  expect((await data.recordHeader('Opportunity', o.id))!.fields.find((f) => f.label === 'Stage')!.value).toBe(
    o.stageName
  );
  await page.close();
});

it('a Passed strict audit with a tested fallback is allowed', async () => {
  const { o, page } = await openDeal('Passed');
  await page.selectOption('#wb-stage', PRODUCTION);
  await Promise.all([page.waitForNavigation(), page.click('[data-action="save-stage"]')]);
  await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
  expect(await page.locator('.wb-stage-refused').count()).toBe(0);
  expect((await data.recordHeader('Opportunity', o.id))!.fields.find((f) => f.label === 'Stage')!.value).toBe(
    PRODUCTION
  );
  await session.screenshot(page, 'e2e-audit-passed-allowed');
  expect(session.consoleErrors).toEqual([]);
  await page.close();
});
