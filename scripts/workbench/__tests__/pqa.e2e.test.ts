/**
 * exp-001 in real Chromium over the sample world (issue 17): the Account page of a routed PQA shows its evidence,
 * the owner and why (every pool member with its arithmetic), the SLA clock in business hours and its transitions;
 * the RevOps readout page shows the sample world's published recommendation and the sentence that says what 9 per arm cannot
 * tell from noise. Both pages: no axe violation of any impact, no sideways scrolling at 1024 px or in a 400 px
 * column. Screenshots: .gtm/artifacts/screenshots/e2e-pqa-*.png.
 */
import type { Page } from 'playwright-core';
import { loadPolicyFile } from '../../policy/policy';
import { buildReadout } from '../../routing/readout';
import { readReadoutRows } from '../../routing/readoutStore';
import { SAMPLE_PUBLISHED_AS_OFS, SAMPLE_READOUT_AS_OF } from '../../routing/sampleRouting';
import { LocalStore } from '../../store/localStore';
import { axeViolations, WorkbenchSession } from '../browserHarness';
import { queryRows } from '../controllers/storeAccess';
import { findTour } from '../tour';
import { sampleWorldBrowserSuite } from './standInWorld';

jest.setTimeout(240_000);

const READOUT = '/lightning/n/Pqa_Readout';
const world = sampleWorldBrowserSuite('pqa');
const { pages } = world;
let store: LocalStore;
let session: WorkbenchSession;
beforeAll(() => ({ store, session } = world));

const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

async function open(pathname: string, width = 1024): Promise<Page> {
  const page = await session.newPage();
  pages.push(page);
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`${session.server.url}${pathname}`);
  // the index places no component
  if (pathname !== '/') await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
  return page;
}

/** The account whose PQA breached and was reassigned at twice the SLA, read from the store directly. */
async function reassignedAccount(): Promise<{ id: string; owner: string }> {
  const [row] = await queryRows(
    store,
    `SELECT a."Account__c" AS id, u."Name" AS owner FROM "Routing_Assignment__c" a
       JOIN "User" u ON u."Id" = a."Assigned_Owner__c" WHERE a."SLA_Status__c" = 'Reassigned'`
  );
  return { id: String(row!.id), owner: String(row!.owner) };
}

async function accountPage(width = 1024): Promise<Page> {
  const { id } = await reassignedAccount();
  const page = await open(`/lightning/r/Account/${encodeURIComponent(id)}/view`, width);
  await page.locator('c-pqa-panel [data-id="sla-clock"]').waitFor({ timeout: 15_000 });
  return page;
}

async function readoutPage(asOf: string | null, width = 1024): Promise<Page> {
  const page = await open(READOUT, width);
  const panel = page.locator('c-pqa-readout');
  await panel.locator('[data-id="decision"]').waitFor({ timeout: 15_000 });
  if (asOf) {
    // the picker offers the published as-ofs; a person picks one
    await panel.locator('lightning-combobox[data-id="as-of"] [role="combobox"]').click();
    await panel
      .locator(`lightning-combobox[data-id="as-of"] lightning-base-combobox-item[data-value="${asOf}"]`)
      .click();
    await panel.locator('[data-id="as-of-text"]', { hasText: `As of ${asOf}` }).waitFor({ timeout: 15_000 });
  }
  return page;
}

/** Puts the main region in a 400 px column, as a Lightning page's sidebar would hold a component. */
async function narrowColumn(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as { document: { getElementById(id: string): { style: Record<string, string> } } };
    const region = g.document.getElementById('region-main');
    region.style.width = '400px';
    region.style.maxWidth = '400px';
  });
  await page.waitForFunction(
    () =>
      (
        globalThis as unknown as { document: { getElementById(id: string): { clientWidth: number } } }
      ).document.getElementById('region-main').clientWidth <= 400
  );
}

describe('the Account page of a routed PQA', () => {
  it('shows the evidence, the owner and why with every candidate, and the SLA clock with its transitions', async () => {
    const { owner } = await reassignedAccount();
    const page = await accountPage();
    const panel = page.locator('c-pqa-panel');
    expect(squash(await panel.locator('[data-id="evidence-item"]').first().textContent())).toMatch(
      /^AI-resolved tickets: \d+ ≥ \d+ \(met\)$/
    );
    expect(squash(await panel.locator('[data-id="arm"]').textContent())).toMatch(/matched, not randomized/);
    expect(squash(await panel.locator('[data-id="owner"]').textContent())).toMatch(
      new RegExp(`^${owner}, by the pool rule, `)
    );
    expect(squash(await panel.locator('[data-id="reason"]').textContent())).toMatch(
      /^reassigned at 2x SLA: lowest load /
    );
    // why this owner: the reassignment's arithmetic over the pool's other members, the new owner marked
    const candidates = (await panel.locator('[data-id="candidate"] th').allTextContents()).map(squash);
    expect(candidates).toHaveLength(2);
    expect(candidates).toContain(owner);
    for (const name of candidates) expect(['Dana Whitfield', 'Priya Raman', 'Marco Ruiz']).toContain(name);
    expect(squash(await panel.locator('[data-id="candidate"].pqa-chosen th').textContent())).toBe(owner);
    expect(squash(await panel.locator('[data-id="candidate"].pqa-chosen td').last().textContent())).toBe(
      'eligible: chosen'
    );
    expect(squash(await panel.locator('[data-id="sla-status"]').textContent())).toBe('Reassigned');
    expect(squash(await panel.locator('[data-id="sla-clock"]').textContent())).toBe(
      `Reassigned: the clock has stopped; no qualifying touch. SLA ${loadPolicyFile().integer('Exp001_First_Touch_Sla_Hours')} business hours, PQA New York business hours.`
    );
    expect((await panel.locator('[data-id="transition"]').allTextContents()).map(squash)).toEqual([
      expect.stringMatching(/^Pending → Warning, .*, by the SLA sweep$/),
      expect.stringMatching(/^Warning → Breached, .*, by the SLA sweep$/),
      expect.stringMatching(/^Breached → Reassigned, .*, by the SLA sweep$/)
    ]);
    // one time for the reassignment: the owner's routing and "Reassigned at" read the sweep's time, not the due time
    const reassignedAt = squash(await panel.locator('[data-id="reassigned"]').textContent());
    expect(squash(await panel.locator('[data-id="owner"]').textContent())).toBe(
      `${owner}, by the pool rule, ${reassignedAt}`
    );
    expect(squash(await panel.locator('[data-id="reassign"]').textContent())).not.toBe(reassignedAt);
    expect(squash(await panel.locator('[data-id="escalations"]').textContent())).toBe('1 escalation');
    await session.screenshot(page, 'e2e-pqa-account-1024');
  });

  it('a clock touched after its due time reads stopped, and no user id or ISO instant shows on the panel', async () => {
    // the sample's late touches: Breached stays the status, but nothing reassigns it any more
    const [late] = await queryRows(
      store,
      `SELECT "Account__c" AS id FROM "Routing_Assignment__c"
        WHERE "SLA_Status__c" = 'Breached' AND "First_Touch_At__c" IS NOT NULL ORDER BY 1 LIMIT 1`
    );
    const [control] = await queryRows(
      store,
      `SELECT a."Account__c" AS id FROM "Routing_Assignment__c" a WHERE a."Arm__c" = 'Control' ORDER BY 1 LIMIT 1`
    );
    const jargon = /\b005[A-Za-z0-9]{12}|\d{4}-\d{2}-\d{2}T\d{2}:|\.0000\b|gtm routing/;
    const page = await open(`/lightning/r/Account/${encodeURIComponent(String(late!.id))}/view`);
    const panel = page.locator('c-pqa-panel');
    await panel.locator('[data-id="sla-clock"]').waitFor({ timeout: 15_000 });
    expect(squash(await panel.locator('[data-id="sla-clock"]').textContent())).toMatch(
      /^Breached: the clock has stopped; first touch .+\. SLA \d+ business hours, PQA New York business hours\.$/
    );
    expect(await panel.locator('[data-id="reassign"]').count()).toBe(0);
    expect(await panel.locator('[data-id="log-touch"]').count()).toBe(0);
    expect(squash(await panel.textContent())).not.toMatch(jargon);
    await page.goto(`${session.server.url}/lightning/r/Account/${encodeURIComponent(String(control!.id))}/view`);
    await panel.locator('[data-id="reason"]').waitFor({ timeout: 15_000 });
    expect(squash(await panel.locator('[data-id="reason"]').textContent())).toMatch(
      /^control, business as usual: would have gone to (Dana Whitfield|Priya Raman|Marco Ruiz) /
    );
    expect(squash(await panel.textContent())).not.toMatch(jargon);
  });

  it('axe finds no violations of any impact', async () => {
    const page = await accountPage();
    expect(await axeViolations(page, ['minor', 'moderate', 'serious', 'critical'])).toEqual([]);
  });
});

describe('disqualifying a PQA from the Account page', () => {
  it('needs a reason, starts the cooldown and keeps it across a reload', async () => {
    const [row] = await queryRows(
      store,
      `SELECT a."Account__c" AS id, s."Id" AS signal FROM "Routing_Assignment__c" a
         JOIN "PQA_Signal__c" s ON s."Id" = a."PQA_Signal__c" WHERE a."SLA_Status__c" = 'Met' ORDER BY 1 LIMIT 1`
    );
    const page = await open(`/lightning/r/Account/${encodeURIComponent(String(row!.id))}/view`);
    const panel = page.locator('c-pqa-panel');
    await panel.locator('lightning-button[data-id="disqualify-open"] button').click();
    await panel.locator('lightning-button[data-id="disqualify"] button').click();
    await panel.locator('[data-id="reason-error"]').waitFor();
    await panel
      .locator('lightning-textarea[data-id="disqualify-reason"] textarea')
      .fill('Already in a competitor pilot');
    await panel.locator('lightning-button[data-id="disqualify"] button').click();
    await panel.locator('[data-id="disqualified"]').waitFor({ timeout: 15_000 });
    const [stored] = await queryRows(
      store,
      `SELECT "Disqualified_Reason__c" AS reason, strftime("Cooldown_Until__c", '%Y-%m-%d') AS until FROM "PQA_Signal__c" WHERE "Id" = $id`,
      { id: String(row!.signal) }
    );
    expect(stored!.reason).toBe('Already in a competitor pilot');
    expect(stored!.until).not.toBeNull();
    await page.reload();
    await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
    await panel.locator('[data-id="disqualified"]').waitFor({ timeout: 15_000 });
    expect(squash(await panel.locator('[data-id="disqualified"]').textContent())).toMatch(
      /: Already in a competitor pilot; no new PQA for this account before /
    );
    expect(await panel.locator('[data-id="disqualify-open"]').count()).toBe(0);
    await session.screenshot(page, 'e2e-pqa-disqualified');
  });
});

describe('logging the touch from the Account page', () => {
  it('turns an open SLA Met at once, keeps the Task as the touch and shows it after a reload', async () => {
    // the sample world's own running clock on the workbench's today (sampleRouting.ts), the one the tour names
    const stop = (await findTour(world.controllers, world.data)).find((s) => /SLA clock is running/.test(s.what));
    expect(stop).toBeDefined();
    const today = world.world.today;
    const [row] = await queryRows(
      store,
      `SELECT a."Id" AS id, a."Account__c" AS account, a."Assigned_Owner__c" AS owner, a."SLA_Status__c" AS status
         FROM "Routing_Assignment__c" a
        WHERE a."Account__c" = $account AND a."Arm__c" = 'Treatment' AND a."SLA_Status__c" IN ('Pending', 'Warning')
          AND a."First_Touch_At__c" IS NULL AND a."SLA_Due_At__c" > CAST($today AS TIMESTAMP)`,
      { today, account: decodeURIComponent(stop!.path.split('/')[4]!) }
    );
    expect(row).toBeDefined();
    const page = await open(`/lightning/r/Account/${encodeURIComponent(String(row!.account))}/view`);
    const panel = page.locator('c-pqa-panel');
    await panel.locator('[data-id="log-touch"]').waitFor({ timeout: 15_000 });
    expect(squash(await panel.locator('[data-id="sla-status"]').textContent())).toBe(String(row!.status));
    await panel.locator('lightning-button[data-id="log-call"] button').click();
    await panel.locator('[data-id="sla-status"]', { hasText: 'Met' }).waitFor({ timeout: 15_000 });
    expect(await panel.locator('[data-id="log-touch"]').count()).toBe(0);
    expect(squash(await panel.locator('[data-id="transition"]').last().textContent())).toMatch(
      new RegExp(`^${String(row!.status)} → Met, `)
    );
    const [stored] = await queryRows(
      store,
      `SELECT a."SLA_Status__c" AS status, strftime(a."First_Touch_At__c", '%Y-%m-%d') AS touched,
              t."WhatId" AS what, t."OwnerId" AS owner, t."TaskSubtype" AS subtype, t."IsClosed" AS closed
         FROM "Routing_Assignment__c" a JOIN "Task" t ON t."Id" = a."First_Touch_Activity_Id__c" WHERE a."Id" = $id`,
      { id: String(row!.id) }
    );
    expect(stored).toEqual({
      status: 'Met',
      touched: today,
      what: row!.account,
      owner: row!.owner,
      subtype: 'Call',
      closed: true
    });
    await page.reload();
    await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
    await panel.locator('[data-id="sla-status"]', { hasText: 'Met' }).waitFor({ timeout: 15_000 });
    await session.screenshot(page, 'e2e-pqa-touch-logged');
  });
});

describe('the readout page', () => {
  it("is linked from the index and shows the sample world's recommendation with the sample-size sentence", async () => {
    const index = await open('/');
    expect(await index.locator('[data-id="app-pages"] a', { hasText: 'PQA Readout' }).getAttribute('href')).toBe(
      READOUT
    );
    const page = await readoutPage(null);
    const panel = page.locator('c-pqa-readout');
    // the newest published readout first: the sample's end of week 5
    expect(squash(await panel.locator('[data-id="as-of-text"]').textContent())).toBe(
      `As of ${SAMPLE_READOUT_AS_OF} (00:00 UTC)`
    );
    const expected = buildReadout(await readReadoutRows(store), loadPolicyFile(), `${SAMPLE_READOUT_AS_OF}T00:00:00Z`);
    expect(expected.recommendation.decision).toBe('Hold');
    expect(squash(await panel.locator('[data-id="decision"]').textContent())).toBe('Recommendation: Hold');
    expect((await panel.locator('[data-id="reasons"] li').allTextContents()).map(squash)).toEqual(
      expected.recommendation.reasons
    );
    expect(squash(await panel.locator('[data-id="power-sentence"]').textContent())).toMatch(
      /^at 9 per arm a \+20% lift cannot be told from noise: this sample can detect >= \+\d+%; \+20% needs \d+ per arm$/
    );
    expect((await panel.locator('[data-id="arm-row"] th').allTextContents()).map(squash)).toEqual([
      'Treatment',
      'Control'
    ]);
    expect(await panel.locator('.chart-bar').count()).toBe(2);
    expect(squash(await panel.locator('[data-id="sla"]').textContent())).toMatch(
      /^SLA attainment: \d+ met of \d+ closed/
    );
    // the policy's rate target reads as a percentage and a failed routing names its account and week once
    expect(squash(await panel.locator('[data-id="needed"]').textContent())).toMatch(
      /^n per arm needed for \+15%: \d+; for \+20%: \d+; for the \d+\.\d% target: \d+$/
    );
    for (const failure of (await panel.locator('[data-id="failures"] li').allTextContents()).map(squash))
      expect(failure).toMatch(/^Failed [a-z0-9-]+ \(\d{4}-W\d{2}\): \S/);
    await session.screenshot(page, 'e2e-pqa-readout-1024');
  });

  it('offers every published as-of and shows the one picked, as it was published', async () => {
    const page = await readoutPage(SAMPLE_PUBLISHED_AS_OFS[0]!);
    const panel = page.locator('c-pqa-readout');
    const options = await panel
      .locator('lightning-combobox[data-id="as-of"] lightning-base-combobox-item')
      .evaluateAll((items) => items.map((i) => i.getAttribute('data-value')));
    expect(options).toEqual([...SAMPLE_PUBLISHED_AS_OFS].reverse());
    const expected = buildReadout(
      await readReadoutRows(store),
      loadPolicyFile(),
      `${SAMPLE_PUBLISHED_AS_OFS[0]!}T00:00:00Z`
    );
    expect(squash(await panel.locator('[data-id="decision"]').textContent())).toBe(
      `Recommendation: ${expected.recommendation.decision}`
    );
    const cells = await panel
      .locator('[data-id="arm-row"]')
      .evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => (c.textContent ?? '').trim())));
    expect(cells.map((c) => c.slice(0, 3))).toEqual(
      expected.arms.map((a) => [a.arm, `${a.windowsClosed} of ${a.accounts}`, String(a.converted)])
    );
  });

  it('axe finds no violations of any impact', async () => {
    const page = await readoutPage(null);
    expect(await axeViolations(page, ['minor', 'moderate', 'serious', 'critical'])).toEqual([]);
  });
});

describe('no horizontal scrolling', () => {
  it.each([
    ['account', false],
    ['account', true],
    ['readout', false],
    ['readout', true]
  ] as const)('the %s page at 1024 px (400 px column: %s)', async (which, column) => {
    const page = which === 'account' ? await accountPage() : await readoutPage(SAMPLE_READOUT_AS_OF);
    if (column) await narrowColumn(page);
    const card = page.locator(
      which === 'account' ? 'c-pqa-panel article.slds-card' : 'c-pqa-readout article.slds-card'
    );
    const { scrollWidth, clientWidth } = await card.evaluate((el) => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth
    }));
    const doc = await page.evaluate(() => {
      const d = (
        globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
      ).document.documentElement;
      return { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth };
    });
    await session.screenshot(page, `e2e-pqa-${which}-${column ? '400-column' : '1024'}`);
    if (column) expect(clientWidth).toBeLessThanOrEqual(400);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    expect(doc.scrollWidth).toBeLessThanOrEqual(doc.clientWidth);
  });

  it('left no browser errors and no server failures', () => {
    expect(session.consoleErrors).toEqual([]);
    expect(session.serverLog).toEqual([]);
  });
});
