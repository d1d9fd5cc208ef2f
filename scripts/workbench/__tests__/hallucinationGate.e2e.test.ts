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
import { axeViolations, SCREENSHOT_DIR, startWorkbenchSession, WorkbenchSession } from '../browserHarness';
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
    'hallucination gate is Provisional: the one-sided 95% upper bound 2.21% (1 of 200) is above the 2.00% maximum; at n = 200 the strict gate allows 0'
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

describe('the hallucination gate panel (c/hallucinationGate)', () => {
  /** What the overflow check reads of an element (the tooling's tsconfig has no DOM types). */
  interface Box {
    scrollWidth: number;
    clientWidth: number;
    getBoundingClientRect(): { width: number };
  }

  async function openPanel(state: string, width = 1440) {
    const name = SAMPLE_AUDITS.find((a) => a.expected === state)!.deal;
    const o = (await data.listOpportunities()).find((x) => x.name === name)!;
    const page = await session.newPage();
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${session.server.url}/lightning/r/Opportunity/${encodeURIComponent(o.id)}/view`);
    await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
    const card = page.locator('c-hallucination-gate');
    await card.locator('[data-id="status"]').waitFor({ timeout: 15_000 });
    return { o, page, card };
  }

  const widths = (card: import('playwright-core').Locator) =>
    card.locator('article.slds-card').evaluate((el) => {
      const a = el as unknown as Box;
      return {
        scrollWidth: a.scrollWidth,
        clientWidth: a.clientWidth,
        width: Math.round(a.getBoundingClientRect().width)
      };
    });

  it.each([
    ['Failed', 'Failed: stop ship', /^1 critical hallucination/],
    ['Provisional', 'Provisional: pilot cohort only, production approval refused', /^0 critical hallucinations/],
    ['Passed', 'Passed: production approval allowed', /^0 critical hallucinations/]
  ])(
    'a %s gate reads in words, with its interval bar and source run; no axe violation',
    async (state, words, critical) => {
      const { page, card } = await openPanel(state);
      expect(await card.locator('[data-id="status"]').getAttribute('data-status')).toBe(state);
      expect(squash(await card.locator('[data-id="status-words"]').textContent())).toBe(words);
      expect(squash(await card.locator('[data-id="critical"]').textContent())).toMatch(critical);
      expect(await card.locator('[data-id="bar-max"]').count()).toBe(1);
      expect(squash(await card.locator('[data-id="bound"]').textContent())).toMatch(
        state === 'Passed' ? /within the 2\.00% maximum/ : /the 2\.00% maximum/
      );
      expect(squash(await card.locator('[data-id="run"]').first().textContent())).toContain('Counted in the gate');
      await session.screenshot(page, `e2e-gate-panel-${state.toLowerCase()}`);
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    }
  );

  it('fits a 1024 px page without horizontal scrolling, and a 400 px column', async () => {
    const { page, card } = await openPanel('Provisional', 1024);
    const doc = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { documentElement: Box } }).document.documentElement;
      return { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth };
    });
    expect(doc.scrollWidth).toBeLessThanOrEqual(doc.clientWidth);
    const at1024 = await widths(card);
    expect(at1024.scrollWidth).toBeLessThanOrEqual(at1024.clientWidth);
    await card.evaluate((el) => {
      (el as unknown as { style: Record<string, string> }).style.display = 'block';
      (el as unknown as { style: Record<string, string> }).style.width = '400px';
    });
    const column = await widths(card);
    await card.screenshot({ path: path.join(SCREENSHOT_DIR, 'e2e-gate-panel-400-column.png') });
    expect(column.width).toBeLessThanOrEqual(400);
    expect(column.scrollWidth).toBeLessThanOrEqual(column.clientWidth);
    await page.close();
  });

  it('a reviewer overturning the Provisional case passes the gate and production approval follows', async () => {
    const { o, page, card } = await openPanel('Provisional');
    await card.locator('lightning-button[data-id="review"] button').click();
    const form = card.locator('[data-id="review-form"]');
    await form.waitFor({ timeout: 10_000 });
    await form.locator('lightning-button[data-id="submit-review"] button').click();
    expect(squash(await card.locator('[data-id="review-error"]').textContent())).toBe(
      'Choose hallucinated or not hallucinated.'
    );
    await form.getByText('Not hallucinated', { exact: true }).click();
    await form.locator('lightning-textarea[data-id="review-reason"] textarea').fill('the article gives these hours');
    await session.screenshot(page, 'e2e-gate-panel-review-form');
    expect(await axeViolations(page)).toEqual([]);
    await form.locator('lightning-button[data-id="submit-review"] button').click();
    await card.locator('[data-id="status"][data-status="Passed"]').waitFor({ timeout: 15_000 });
    expect(squash(await card.locator('[data-id="item-human"]').textContent())).toMatch(
      /^Human verdict: not hallucinated \(Workbench User, .*\): the article gives these hours$/
    );
    await session.screenshot(page, 'e2e-gate-panel-reviewed');
    await page.selectOption('#wb-stage', PRODUCTION);
    await Promise.all([page.waitForNavigation(), page.click('[data-action="save-stage"]')]);
    await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
    expect((await data.recordHeader('Opportunity', o.id))!.fields.find((f) => f.label === 'Stage')!.value).toBe(
      PRODUCTION
    );
    expect(session.consoleErrors).toEqual([]);
    await page.close();
  });
});
