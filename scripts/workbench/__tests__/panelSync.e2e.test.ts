/**
 * The Opportunity page's panels keep each other current, in real Chromium over the sample world with its audits
 * ingested (as `npm start` does): a step taken in one panel shows in the others without a reload (the GtmRecordChanged
 * message channel, c/gtmRecordSync), and a blocker step's outcome is shown beside the blocker, in view at 768 px.
 * Screenshots: .gtm/artifacts/screenshots/e2e-sync-*.png.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ingestSampleAudits, SAMPLE_AUDITS } from '../../audit/sampleAudits';
import { loadPolicyFile } from '../../policy/policy';
import { axeViolations, SCREENSHOT_DIR, WorkbenchSession } from '../browserHarness';
import type { PanelControllers, WorkbenchData } from '../controllerPort';
import { sampleWorldBrowserSuite } from './standInWorld';

jest.setTimeout(240_000);

const world = sampleWorldBrowserSuite('sync');
const { pages } = world;
let controllers: PanelControllers;
let data: WorkbenchData;
let session: WorkbenchSession;
beforeAll(async () => {
  ({ controllers, data, session } = world);
  // the audits `npm start` ingests: Oakridge Clinics' gate is Provisional
  await ingestSampleAudits(world.store, loadPolicyFile(), world.world.today);
});

const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

async function opportunityId(prefix: string): Promise<string> {
  const o = (await data.listOpportunities()).find((x) => x.name.startsWith(prefix));
  if (!o) throw new Error(`the sample world has no opportunity "${prefix}..."`);
  return o.id;
}

async function openDeal(id: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await session.newPage();
  pages.push(page);
  if (viewport) await page.setViewportSize(viewport);
  await page.goto(`${session.server.url}/lightning/r/Opportunity/${encodeURIComponent(id)}/view`);
  await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
  await page.locator('c-pilot-scorecard [data-id="score"]').waitFor({ timeout: 15_000 });
  return page;
}

const blocker = (page: Page, code: string): Locator =>
  page.locator(`c-pilot-scorecard ul[data-id="blockers"] li[data-code="${code}"]`).first();

async function until(check: () => Promise<boolean>, timeout = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the panels of a deal refresh each other', () => {
  it('Cobalt Cloud: "Start the security review" on the scorecard opens the review in the packet panel, no reload', async () => {
    const id = await opportunityId('Cobalt Cloud');
    const page = await openDeal(id);
    const packet = page.locator('c-security-packet-status');
    await packet.locator('[data-id="empty"]').waitFor({ timeout: 15_000 });

    await blocker(page, 'collateral_missing').locator('[data-id="blocker-step"]').click();

    // the packet panel shows the review the step opened, as the server now has it
    expect(await until(async () => (await packet.locator('[data-id="empty"]').count()) === 0)).toBe(true);
    const send = packet.locator('lightning-button[data-id="mark-sent"] button');
    const view = await controllers['GtmSecurityPacketController.getPacketStatus']({ opportunityId: id });
    expect(view.packetId).not.toBeNull();
    expect(squash(await packet.locator('[data-id="review-stage"]').textContent())).toBe(view.reviewStage);
    await session.screenshot(page, 'e2e-sync-review-started');

    // and a step taken in the packet panel reaches the scorecard: the packet sent, its blockers are re-read
    const before = await controllers['GtmPilotScorecardController.getScorecard']({ opportunityId: id });
    await send.click();
    const confirm = packet.locator('lightning-button[data-id="confirm-send"] button');
    if (await confirm.count()) await confirm.click();
    await packet.locator('[data-id="cycle-text"]').waitFor({ timeout: 15_000 });
    const after = await controllers['GtmPilotScorecardController.getScorecard']({ opportunityId: id });
    const shown = async () =>
      (
        await page.locator('c-pilot-scorecard ul[data-id="blockers"] [data-id="blocker-message"]').allTextContents()
      ).map(squash);
    expect(
      await until(
        async () => JSON.stringify(await shown()) === JSON.stringify(after.readiness.blockers.map((b) => b.message))
      )
    ).toBe(true);
    expect(before.readiness.blockers.length).toBeGreaterThan(0);
  });

  it('Oakridge Clinics: the Provisional gate\'s "Review the failing case" brings the case into view on the gate panel', async () => {
    const name = SAMPLE_AUDITS.find((a) => a.expected === 'Provisional')!.deal;
    const page = await openDeal(await opportunityId(name), { width: 1024, height: 768 });
    const step = blocker(page, 'audit_not_passed').locator('[data-id="blocker-step"]');
    expect(squash(await step.textContent())).toBe('Review the failing case');
    await step.click();
    const review = page.locator('c-hallucination-gate lightning-button[data-id="review"] button').first();
    expect(await until(() => review.evaluate((el) => el.matches(':focus')))).toBe(true);
    const box = (await page.locator('c-hallucination-gate [data-id="cases-heading"]').boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(768);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'e2e-sync-review-cases-view.png') });
  });

  it("Oakridge Clinics: a verdict saved on the gate panel turns the scorecard's gate and blockers, no reload", async () => {
    const name = SAMPLE_AUDITS.find((a) => a.expected === 'Provisional')!.deal;
    const id = await opportunityId(name);
    const page = await openDeal(id);
    const gate = page.locator('c-hallucination-gate');
    const cardGate = page.locator('c-pilot-scorecard dl[data-id="gate"] dd').first();
    expect(squash(await cardGate.textContent())).toBe('Provisional');
    expect(await blocker(page, 'audit_not_passed').count()).toBe(1);

    await gate.locator('lightning-button[data-id="review"] button').first().click();
    const form = gate.locator('[data-id="review-form"]');
    await form.waitFor({ timeout: 10_000 });
    await form.getByText('Not hallucinated', { exact: true }).click();
    await form.locator('lightning-textarea[data-id="review-reason"] textarea').fill('the policy article says so');
    await form.locator('lightning-button[data-id="submit-review"] button').click();
    await gate.locator('[data-id="status"][data-status="Passed"]').waitFor({ timeout: 15_000 });

    expect(await until(async () => squash(await cardGate.textContent()) === 'Passed')).toBe(true);
    expect(await until(async () => (await blocker(page, 'audit_not_passed').count()) === 0)).toBe(true);
    await session.screenshot(page, 'e2e-sync-verdict');
  });
});

describe("a blocker step's outcome at 768 px", () => {
  it('Alder Pharma: the audit request says what it asked beside its blocker, focused and in view', async () => {
    const id = await opportunityId('Alder Pharma');
    const page = await openDeal(id, { width: 768, height: 600 });
    const li = blocker(page, 'audit_missing');
    await li.locator('[data-id="blocker-step"]').click();
    const result = li.locator('[data-id="blocker-result"]');
    await result.waitFor({ timeout: 15_000 });
    expect(squash(await result.locator('[role="status"]').textContent())).toMatch(
      /^Asked the hallucination audit team: Task "Run a hallucination audit for Alder Pharma/
    );
    // the card's top line says nothing of it
    expect(squash(await page.locator('c-pilot-scorecard [data-id="status-message"]').textContent())).toBe('');
    expect(await until(() => result.evaluate((el) => el.matches(':focus')))).toBe(true);
    // in the viewport (boundingBox is relative to it)
    const box = (await result.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(600);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'e2e-sync-768-view.png') });
    expect(await axeViolations(page)).toEqual([]);
  });
});
