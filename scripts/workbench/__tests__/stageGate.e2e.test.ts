/**
 * Issue 13, defect 9 in real Chromium: an AE moves Contoso Health to Production Approval on the workbench's stage
 * control, sees the gate refuse with the trigger's words ("Cannot move to Production Approval: ..."), fixes what it
 * asks on the pilot scorecard (a missed criterion's actual) and moves again, which the gate now allows; the stage
 * holds after a reload. Screenshots: .gtm/artifacts/screenshots/e2e-stage-*.png.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { axeViolations, startWorkbenchSession, WorkbenchSession } from '../browserHarness';
import type { PanelControllers, WorkbenchData } from '../controllerPort';
import { createStoreControllers, createStoreData, createStoreStages } from '../controllers';
import { buildSampleWorld } from '../sampleWorld';

jest.setTimeout(240_000);

let dir: string;
let store: LocalStore;
let controllers: PanelControllers;
let data: WorkbenchData;
let session: WorkbenchSession;
const PRODUCTION = loadPolicyFile().text('Stage_Production_Approval');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-stage-e2e-'));
  const file = path.join(dir, 'world.duckdb');
  const world = await buildSampleWorld(file);
  store = await LocalStore.open(file, loadSchema());
  controllers = createStoreControllers(store, world.today);
  data = createStoreData(store);
  session = await startWorkbenchSession({
    controllers,
    data,
    stages: createStoreStages(store, world.today),
    banner: `sample world (stage e2e), today ${world.today}`
  });
});

afterAll(async () => {
  await session?.close();
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

async function headerStage(page: Page): Promise<string> {
  const blocks = await page
    .locator('.slds-page-header__detail-block')
    .evaluateAll((list) =>
      (list as { children: ArrayLike<{ textContent: string | null }> }[]).map((b) =>
        Array.from(b.children).map((c) => (c.textContent ?? '').trim())
      )
    );
  return blocks.find(([label]) => label === 'Stage')?.[1] ?? '<no Stage field>';
}

it('the gate refuses Production Approval, the AE fixes the scorecard on the page, then the move is allowed', async () => {
  const o = (await data.listOpportunities()).find((x) => x.name.startsWith('Contoso Health'))!;
  const before = await controllers['GtmPilotScorecardController.getScorecard']({ opportunityId: o.id });
  expect(before.readiness.blockers.map((b) => b.code)).toEqual(['scorecard_below_threshold']);

  const page = await session.open(`/lightning/r/Opportunity/${encodeURIComponent(o.id)}/view`);
  const card = page.locator('c-pilot-scorecard');
  await card.locator('[data-id="score"]').waitFor({ timeout: 15_000 });
  expect(await headerStage(page)).toBe(o.stageName);

  // 1. refused, in the trigger's words, with each blocker
  await page.selectOption('#wb-stage', PRODUCTION);
  await page.click('[data-action="save-stage"]');
  const refusal = page.locator('.wb-stage-refused');
  await refusal.waitFor({ timeout: 15_000 });
  expect(squash(await refusal.locator('.wb-stage-message').textContent())).toBe(
    `Cannot move to ${PRODUCTION}: the pilot is not ready for production approval`
  );
  // the trigger's words, as the org's record edit shows them (the rule's: the score as a decimal)
  expect((await refusal.locator('.wb-stage-blockers li').allTextContents()).map(squash)).toEqual([
    `scorecard score ${String(before.score)} is below ${before.minScore}`
  ]);
  expect(await refusal.getAttribute('role')).toBe('alert');
  await session.screenshot(page, 'e2e-stage-refused');
  expect(await axeViolations(page)).toEqual([]);
  expect((await data.recordHeader('Opportunity', o.id))!.fields.find((f) => f.label === 'Stage')!.value).toBe(
    o.stageName
  );

  // 2. the AE fixes what is asked: a missed criterion measured at its target
  const missed = before.criteria.find(
    (c) => !c.met && c.targetDirection === 'At least' && c.targetValue !== null && (c.weight ?? 0) > 0
  )!;
  const row = card.locator(`tr[data-row="${missed.id}"]`);
  await row.locator('lightning-button-icon[data-action="edit"] button').click();
  const actual = row.locator('lightning-input[data-field="actualValue"] input');
  await actual.waitFor({ timeout: 10_000 });
  await actual.fill(String(missed.targetValue));
  await row.locator('lightning-button[data-action="save-edit"] button').click();
  await card
    .locator('[data-id="readiness"]', { hasText: 'Ready for production approval' })
    .waitFor({ timeout: 15_000 });

  // 3. allowed: the page reloads at the new stage, which the store holds
  await page.selectOption('#wb-stage', PRODUCTION);
  await Promise.all([page.waitForNavigation(), page.click('[data-action="save-stage"]')]);
  await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
  expect(await headerStage(page)).toBe(PRODUCTION);
  expect(await page.locator('#wb-stage').inputValue()).toBe(PRODUCTION);
  expect(await page.locator('.wb-stage-refused').count()).toBe(0);
  expect((await data.recordHeader('Opportunity', o.id))!.fields.find((f) => f.label === 'Stage')!.value).toBe(
    PRODUCTION
  );
  await session.screenshot(page, 'e2e-stage-allowed');
  expect(session.consoleErrors).toEqual([]);
  await page.close();
});

it('"Request production approval" on the scorecard: the gate refuses Halvorsen Telecom in words, allows Acme Outfitters', async () => {
  const opportunities = await data.listOpportunities();
  const blocked = opportunities.find((x) => x.name.startsWith('Halvorsen Telecom'))!;
  const before = await controllers['GtmPilotScorecardController.getScorecard']({ opportunityId: blocked.id });
  expect(before.readiness.ready).toBe(false);

  const page = await session.open(`/lightning/r/Opportunity/${encodeURIComponent(blocked.id)}/view`);
  const card = page.locator('c-pilot-scorecard');
  await card.locator('lightning-button[data-action="request-approval"] button').click();
  const refused = card.locator('[data-id="approval-refused"]');
  await refused.waitFor({ timeout: 15_000 });
  expect(squash(await refused.locator('[data-id="approval-message"]').textContent())).toBe(
    `Cannot move to ${PRODUCTION}: the pilot is not ready for production approval`
  );
  const items = (await refused.locator('[data-id="approval-blockers"] li').allTextContents()).map(squash);
  // each blocker in the words the server wrote for the panel (dates as the panel writes them)
  expect(items).toEqual(before.readiness.blockers.map((b) => b.message));
  expect(items.join('\n')).toMatch(/expires [A-Z][a-z]{2} \d{1,2}, \d{4}, before the close date/);
  expect(await headerStage(page)).toBe(blocked.stageName);
  await session.screenshot(page, 'e2e-stage-request-refused');
  await page.close();

  const ready = opportunities.find((x) => x.name.startsWith('Acme Outfitters'))!;
  const readyPage = await session.open(`/lightning/r/Opportunity/${encodeURIComponent(ready.id)}/view`);
  const readyCard = readyPage.locator('c-pilot-scorecard');
  await readyCard.locator('lightning-button[data-action="request-approval"] button').click();
  expect(
    squash(
      await readyCard
        .locator('[data-id="status-message"]', { hasText: 'Production approval requested' })
        .textContent({ timeout: 15_000 })
    )
  ).toBe(`Production approval requested: the opportunity is at ${PRODUCTION}.`);
  expect(await readyCard.locator('[data-id="approval-refused"]').count()).toBe(0);
  await readyPage.reload();
  await readyPage.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
  expect(await headerStage(readyPage)).toBe(PRODUCTION);
  await session.screenshot(readyPage, 'e2e-stage-request-allowed');
  await readyPage.close();
});
