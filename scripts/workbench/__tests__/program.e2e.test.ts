/**
 * The GTM Program page in real Chromium over the sample world (issue 19): the five KPI tiles with their trend charts
 * and the portfolio with the day-90 readouts; an override (a decision other than the recommendation) without a
 * reason is refused with the sign-off rule's words and nothing is written; a decision that follows the
 * recommendation is signed. No axe violation of any impact; no sideways scrolling at 1024 px, nor at 400 px (a phone,
 * a narrow region), where every tile and portfolio item fits the width and the decision action is reachable.
 * Screenshots: .gtm/artifacts/screenshots/e2e-program-*.png.
 */
import type { Page } from 'playwright-core';
import { OVERRIDE_INCOMPLETE_MESSAGE } from '../../rules/decisionRule';
import { LocalStore } from '../../store/localStore';
import { axeViolations, WorkbenchSession } from '../browserHarness';
import { queryOne } from '../controllers/storeAccess';
import { splitWords } from './layoutChecks';
import { sampleWorldBrowserSuite } from './standInWorld';

jest.setTimeout(240_000);

const PROGRAM = '/lightning/n/Program';
const world = sampleWorldBrowserSuite('program');
const { pages } = world;
let store: LocalStore;
let session: WorkbenchSession;
beforeAll(() => ({ store, session } = world));

const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

async function programPage(width = 1024): Promise<Page> {
  const page = await session.newPage();
  pages.push(page);
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`${session.server.url}${PROGRAM}`);
  await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
  await page.locator('c-gtm-program [data-id="portfolio"]').waitFor({ timeout: 30_000 });
  return page;
}

/** The experiment's latest readout's decision (the page decides on the latest). */
async function decision(experiment: string) {
  return queryOne(
    store,
    `SELECT r."Decision__c" AS d, r."Published__c" AS p FROM "GTM_Experiment_Readout__c" r
       JOIN "GTM_Experiment__c" e ON e."Id" = r."Experiment__c" WHERE e."Experiment_Key__c" = $k
      ORDER BY r."As_Of__c" DESC LIMIT 1`,
    { k: experiment }
  );
}

describe('the GTM Program page', () => {
  it('shows the five KPI tiles with trend charts and the portfolio with recommendations', async () => {
    const page = await programPage();
    const panel = page.locator('c-gtm-program');
    const tiles = panel.locator('[data-kpi]');
    expect(await tiles.count()).toBe(5);
    expect((await panel.locator('[data-kpi] h3').allTextContents()).map(squash)).toEqual([
      'Pilot start rate',
      'Pilot-to-production conversion',
      'Time to activation',
      'Security review cycle time',
      'Logo churn (90-day cohort)'
    ]);
    // the pilot start rate has weekly values: its trend is drawn as a line
    expect(await panel.locator('[data-kpi="Pilot_Start_Rate"] svg[data-id="trend"] polyline').count()).toBe(1);
    expect(
      await panel.locator('[data-kpi="Pilot_Start_Rate"] svg[data-id="trend"]').getAttribute('aria-label')
    ).toMatch(/^Pilot start rate by week: 2026-03-09 /);
    // a pilot's 60-day window cannot have closed for every pilot by day 90: provisional, with how many at risk
    expect(squash(await panel.locator('[data-kpi="Pilot_To_Production"] [data-id="n"]').textContent())).toMatch(
      /provisional: \d+ at risk/
    );
    // every tile has a value on day 90
    for (const text of await panel.locator('[data-kpi] [data-id="actual"]').allTextContents())
      expect(squash(text)).toMatch(/\d/);
    const exp8 = panel.locator('[data-readout="exp-008"]');
    expect(squash(await exp8.locator('[data-id="design"]').textContent())).toMatch(/^pre\/post, not randomized/);
    expect(squash(await exp8.locator('[data-id="recommendation"]').textContent())).toBe('Recommendation: Scale');
    await session.screenshot(page, 'e2e-program-1024');
  });

  it('refuses an override without a reason, in the rule words, and writes nothing', async () => {
    const page = await programPage();
    const item = page.locator('c-gtm-program [data-readout="exp-003"]');
    await item.locator('[data-id="decide"] button').click();
    const form = item.locator('[data-id="decide-form"]');
    await form.locator('[data-id="decision"] button').click();
    // exp-003's recommendation is Hold (directional, below its minimum sample): Kill overrides it
    await form.locator('lightning-base-combobox-item', { hasText: 'Kill' }).click();
    await form.locator('[data-id="override-note"]').waitFor();
    await form.locator('[data-id="submit"] button').click();
    const error = form.locator('[data-id="decide-error"]');
    await error.waitFor();
    expect(squash(await error.textContent())).toContain(OVERRIDE_INCOMPLETE_MESSAGE);
    expect(await decision('exp-003')).toEqual({ d: null, p: null });
    await session.screenshot(page, 'e2e-program-override-refused');
  });

  it('signs a decision that follows the recommendation', async () => {
    const page = await programPage();
    const item = page.locator('c-gtm-program [data-readout="exp-005"]');
    await item.locator('[data-id="decide"] button').click();
    await item.locator('[data-id="submit"] button').click();
    await item.locator('[data-id="decide-form"]').waitFor({ state: 'detached' });
    expect(squash(await item.locator('[data-id="sign-off"]').textContent())).toBe(
      'Decision and sign-off: Kill by Workbench User'
    );
    expect(await decision('exp-005')).toEqual({ d: 'Kill', p: true });
  });

  it('axe finds no violations of any impact, and nothing scrolls sideways at 1024 px', async () => {
    const page = await programPage();
    expect(await axeViolations(page, ['minor', 'moderate', 'serious', 'critical'])).toEqual([]);
    const card = page.locator('c-gtm-program article.slds-card');
    const { scrollWidth, clientWidth } = await card.evaluate((el) => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth
    }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    const doc = await page.evaluate(() => {
      const d = (
        globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
      ).document.documentElement;
      return { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth };
    });
    expect(doc.scrollWidth).toBeLessThanOrEqual(doc.clientWidth);
  });

  it('at 400 px the tiles and the portfolio fit without sideways scrolling, and the decision action is reachable', async () => {
    const page = await programPage(400);
    const panel = page.locator('c-gtm-program');
    const widths = await page.evaluate(() => {
      const d = (
        globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
      ).document.documentElement;
      return { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth };
    });
    expect(widths.scrollWidth).toBeLessThanOrEqual(widths.clientWidth);
    const card = await panel
      .locator('article.slds-card')
      .evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    expect(card.scrollWidth).toBeLessThanOrEqual(card.clientWidth);
    // each KPI tile and each portfolio item lies inside the page's width, none wider than its content box
    const boxes = await panel.locator('[data-kpi], [data-readout]').evaluateAll((els) =>
      els.map((el) => ({
        id: el.getAttribute('data-kpi') ?? el.getAttribute('data-readout'),
        left: el.getBoundingClientRect().left,
        right: el.getBoundingClientRect().right,
        overflow: el.scrollWidth - el.clientWidth
      }))
    );
    expect(boxes.filter((b) => b.id?.startsWith('exp-'))).toHaveLength(4);
    expect(boxes.filter((b) => b.left < 0 || b.right > widths.clientWidth || b.overflow > 0)).toEqual([]);
    expect(await splitWords(panel, '[data-kpi], [data-readout]')).toEqual([]);
    // the decision action: scrolled to, it is on screen and opens the form, whose approve button is on screen too
    const item = panel.locator('[data-readout="exp-008"]');
    const decide = item.locator('[data-id="decide"] button');
    await decide.scrollIntoViewIfNeeded();
    const onScreen = async (box: { x: number; width: number } | null) =>
      box !== null && box.x >= 0 && box.x + box.width <= widths.clientWidth;
    expect(await onScreen(await decide.boundingBox())).toBe(true);
    await decide.click();
    const submit = item.locator('[data-id="submit"] button');
    await submit.scrollIntoViewIfNeeded();
    expect(await onScreen(await submit.boundingBox())).toBe(true);
    expect(await submit.isEnabled()).toBe(true);
    await session.screenshot(page, 'e2e-program-400');
  });

  it('left no browser errors and no server failures but the one refused override (400)', () => {
    expect(session.consoleErrors.filter((e) => !/status of 400 \(Bad Request\)/.test(e))).toEqual([]);
    expect(session.consoleErrors).toHaveLength(1);
    expect(session.serverLog).toEqual([]);
  });
});
