/**
 * Issue 13 in real Chromium: every production blocker on the pilot scorecard shows who acts and its next step, and
 * following the step lands where the fix is made: the criterion's editor with the cursor in the field to fill, the
 * Task asked of whoever acts (followed to its page), the security review opened (shown by the packet panel).
 * Screenshots: .gtm/artifacts/screenshots/e2e-blockers-*.png.
 */
import type { Locator, Page } from 'playwright-core';
import { axeViolations, WorkbenchSession } from '../browserHarness';
import type { PanelControllers, WorkbenchData } from '../controllerPort';
import { sampleWorldBrowserSuite } from './standInWorld';

jest.setTimeout(240_000);

const world = sampleWorldBrowserSuite('blockers');
const { pages } = world;
let controllers: PanelControllers;
let data: WorkbenchData;
let session: WorkbenchSession;
beforeAll(() => ({ controllers, data, session } = world));

const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

async function opportunityId(prefix: string): Promise<string> {
  const o = (await data.listOpportunities()).find((x) => x.name.startsWith(prefix));
  if (!o) throw new Error(`the sample world has no opportunity "${prefix}..."`);
  return o.id;
}

const scorecard = (id: string) => controllers['GtmPilotScorecardController.getScorecard']({ opportunityId: id });

async function openCard(id: string): Promise<{ page: Page; card: Locator }> {
  const page = await session.open(`/lightning/r/Opportunity/${encodeURIComponent(id)}/view`);
  pages.push(page);
  const card = page.locator('c-pilot-scorecard');
  await card.locator('ul[data-id="blockers"] li').first().waitFor({ timeout: 15_000 });
  return { page, card };
}

/** The blocker item of that code whose step has that label (a code can repeat: one per collateral type). */
const item = (card: Locator, code: string) => card.locator(`ul[data-id="blockers"] li[data-code="${code}"]`).first();

/** Whether the element itself has the browser's focus (native :focus, through the synthetic shadow). */
const focused = (locator: Locator) => locator.evaluate((el) => el.matches(':focus'));

async function until(check: () => Promise<boolean>, timeout = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a blocker's next step (issue 13)", () => {
  it('Alder Pharma: each blocker shows its words, who acts and its step as the server sent them; no axe violations', async () => {
    const id = await opportunityId('Alder Pharma');
    const sc = await scorecard(id);
    expect(sc.readiness.blockers.length).toBeGreaterThanOrEqual(4);
    const { page, card } = await openCard(id);
    const items = card.locator('ul[data-id="blockers"] li');
    expect(await items.count()).toBe(sc.readiness.blockers.length);
    for (const [i, b] of sc.readiness.blockers.entries()) {
      const li = items.nth(i);
      expect(await li.getAttribute('data-code')).toBe(b.code);
      expect(squash(await li.locator('[data-id="blocker-message"]').textContent())).toBe(b.message);
      expect(squash(await li.locator('[data-id="blocker-who"]').textContent())).toBe(b.whoActs.label);
      if (b.next.kind === 'none') {
        expect(await li.locator('[data-id="blocker-step"]').count()).toBe(0);
        expect(squash(await li.locator('[data-id="blocker-next"]').textContent())).toBe(b.next.label);
      } else {
        expect(squash(await li.locator('[data-id="blocker-step"]').textContent())).toBe(b.next.label);
      }
    }
    await session.screenshot(page, 'e2e-blockers-alder');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('an incomplete criterion: the step opens its editor with the cursor in the field the fix names', async () => {
    const id = await opportunityId('Alder Pharma');
    const b = (await scorecard(id)).readiness.blockers.find((x) => x.code === 'scorecard_incomplete')!;
    expect(b.fix?.fieldApiName).toBe('Owner__c');
    const { page, card } = await openCard(id);
    await item(card, 'scorecard_incomplete').locator('[data-id="blocker-step"]').click();
    const row = card.locator(`tr[data-row="${b.next.target}"]`);
    const owner = row.locator('c-gtm-user-lookup[data-field="ownerId"] input');
    await owner.waitFor({ timeout: 10_000 });
    expect(await until(() => focused(owner))).toBe(true);
    await session.screenshot(page, 'e2e-blockers-open-criterion');

    // the score blocker opens the unmet criterion at its actual
    const below = (await scorecard(id)).readiness.blockers.find((x) => x.code === 'scorecard_below_threshold')!;
    await row.locator('lightning-button[data-action="cancel-edit"] button').click();
    await item(card, 'scorecard_below_threshold').locator('[data-id="blocker-step"]').click();
    const actual = card.locator(`tr[data-row="${below.next.target}"] lightning-input[data-field="actualValue"] input`);
    await actual.waitFor({ timeout: 10_000 });
    expect(await until(() => focused(actual))).toBe(true);
  });

  it('a hallucination audit request is a Task, followed to its page', async () => {
    const id = await opportunityId('Alder Pharma');
    const { page, card } = await openCard(id);
    await item(card, 'audit_missing').locator('[data-id="blocker-step"]').click();
    const link = card.locator('a[data-id="requested-task"]');
    await link.waitFor({ timeout: 10_000 });
    // what was asked is said beside the blocker the step was taken on
    const status = squash(await item(card, 'audit_missing').locator('[data-id="blocker-result"]').textContent());
    expect(status).toMatch(/^Asked the hallucination audit team: Task "Run a hallucination audit for Alder Pharma/);
    await Promise.all([page.waitForNavigation(), link.click()]);
    expect(squash(await page.locator('h1 .wb-record-name').textContent())).toMatch(
      /^Run a hallucination audit for Alder Pharma/
    );
    await session.screenshot(page, 'e2e-blockers-audit-task');
  });

  it('Halvorsen: the renewal request is a Task asking Security to renew the questionnaire', async () => {
    const id = await opportunityId('Halvorsen Telecom');
    const { page, card } = await openCard(id);
    const li = item(card, 'collateral_expires_before_close');
    expect(squash(await li.locator('[data-id="blocker-who"]').textContent())).toBe('Security');
    await li.locator('[data-id="blocker-step"]').click();
    const link = card.locator('a[data-id="requested-task"]');
    await link.waitFor({ timeout: 10_000 });
    await Promise.all([page.waitForNavigation(), link.click()]);
    expect(squash(await page.locator('h1 .wb-record-name').textContent())).toMatch(
      /^Renew Security Questionnaire for Halvorsen Telecom/
    );
  });

  it('missing collateral without a review: the step opens the review, which the packet panel shows', async () => {
    const id = await opportunityId('Cobalt Cloud');
    const { page, card } = await openCard(id);
    await item(card, 'collateral_missing').locator('[data-id="blocker-step"]').click();
    expect(
      await until(async () =>
        /^Security review requested for Cobalt Cloud/.test(
          squash(await card.locator('[data-id="blocker-result"]').first().textContent())
        )
      )
    ).toBe(true);
    // the missing items are now asked of Security
    expect(squash(await item(card, 'collateral_missing').locator('[data-id="blocker-step"]').textContent())).toMatch(
      /^Ask Security to publish /
    );
    // where the fix is made: the deal's security review, open and ready for Security to send the packet; the packet
    // panel shows it without a reload (c/gtmRecordSync)
    const packet = page.locator('c-security-packet-status');
    const send = packet.locator('lightning-button[data-id="mark-sent"] button');
    await send.waitFor({ timeout: 15_000 });
    expect(
      await until(async () => squash(await packet.locator('[data-id="review-stage"]').textContent()) === 'Not Started')
    ).toBe(true);
    await session.screenshot(page, 'e2e-blockers-review-started');
  });
});
