/**
 * The GTM Program page's rollout audit tiles in real Chromium over the sample world (issue 19, phase 3): the sample
 * world stores the day-90 audit as gtm scorecard audit does (GTM_Rollout_Audit__c), and the page shows its three
 * sections with the status, the reason, n with the thresholds and the figures; each is held to the audit computed
 * afresh from the same store (rolloutAudit over loadAuditInput), so the tiles show the sample world's own figures.
 * No axe violation of any impact. Screenshot: .gtm/artifacts/screenshots/e2e-program-audit.png.
 */
import type { Page } from 'playwright-core';
import { loadPolicyFile } from '../../policy/policy';
import { loadAuditInput, rolloutAudit, sectionFigures, thresholdText } from '../../cockpit/rolloutAudit';
import { programLastDay } from '../../cockpit/sampleProgram';
import { axeViolations } from '../browserHarness';
import { sampleWorldBrowserSuite } from './standInWorld';

jest.setTimeout(240_000);

const world = sampleWorldBrowserSuite('program-audit');
const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

async function programPage(): Promise<Page> {
  const page = await world.session.newPage();
  world.pages.push(page);
  await page.setViewportSize({ width: 1024, height: 900 });
  await page.goto(`${world.session.server.url}/lightning/n/Program`);
  await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
  await page.locator('c-gtm-program [data-id="audit"]').waitFor({ timeout: 30_000 });
  return page;
}

it("shows the day-90 rollout audit's three sections with the sample world's figures", async () => {
  const policy = loadPolicyFile();
  const day = programLastDay(policy);
  const expected = rolloutAudit(await loadAuditInput(world.store, `${day}T00:00:00Z`), policy, `${day}T00:00:00Z`);
  const page = await programPage();
  const panel = page.locator('c-gtm-program');
  expect(squash(await panel.locator('[data-id="audit-as-of"]').textContent())).toBe(
    `The latest rollout audit, as of ${day}: ${expected.status}`
  );
  expect(
    await panel.locator('[data-audit]').evaluateAll((els) => els.map((e) => e.getAttribute('data-audit')))
  ).toEqual(['data_quality', 'handoff_reliability', 'support_burden']);
  for (const s of expected.sections) {
    const tile = panel.locator(`[data-audit="${s.key}"]`);
    expect(squash(await tile.locator('h3').textContent())).toBe(`${s.title} ${s.status}`);
    expect(squash(await tile.locator('[data-id="audit-reason"]').textContent())).toBe(s.reason);
    expect(squash(await tile.locator('[data-id="audit-n"]').textContent())).toBe(
      `n ${s.n}; thresholds: ${thresholdText(s)}`
    );
    expect((await tile.locator('[data-id="audit-figure"]').allTextContents()).map(squash)).toEqual(sectionFigures(s));
  }
  // the handoff tile carries exp-001's reliability as its readout computes it, with its n
  const handoff = expected.sections[1];
  expect(handoff.workflow.signals).toBeGreaterThan(0);
  expect(
    (await panel.locator('[data-audit="handoff_reliability"] [data-id="audit-figure"]').allTextContents())[0]
  ).toContain(`(${handoff.workflow.ok} of ${handoff.workflow.signals})`);
  await page.screenshot({ path: '.gtm/artifacts/screenshots/e2e-program-audit.png', fullPage: true });
  expect(await axeViolations(page, ['minor', 'moderate', 'serious', 'critical'])).toEqual([]);
});
