/**
 * The security review panel in real Chromium over a sample world (issue 13): it fits a 1024 px page and a 400 px
 * sidebar column without horizontal overflow; each review stage offers only its next steps and a step back asks
 * why; a review completes without the NDA or current collateral only by an exception; a deal past the proposal
 * gate with expired or missing collateral is escalated; reasons count their characters down; sending a packet with
 * collateral not current asks to confirm. Screenshots: .gtm/artifacts/screenshots/packet-*.png.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { loadSchema } from '../../metadata/schema';
import { LocalStore } from '../../store/localStore';
import { SCREENSHOT_DIR, startWorkbenchSession, WorkbenchSession } from '../browserHarness';
import type { PanelControllers, WorkbenchData } from '../controllerPort';
import { createStoreControllers, createStoreData } from '../controllers';
import { buildSampleWorld, type SampleWorld } from '../sampleWorld';
import { splitWords } from './layoutChecks';

jest.setTimeout(240_000);

let dir: string;
let world: SampleWorld;
let store: LocalStore;
let controllers: PanelControllers;
let data: WorkbenchData;
let session: WorkbenchSession;
const pages: Page[] = [];
const apexCalls: string[] = [];
const browserErrors: string[] = [];

beforeAll(async () => {
  if (fs.existsSync(SCREENSHOT_DIR))
    for (const f of fs.readdirSync(SCREENSHOT_DIR))
      if (/^packet-.*\.png$/.test(f)) fs.rmSync(path.join(SCREENSHOT_DIR, f));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-packet-e2e-'));
  const file = path.join(dir, 'world.duckdb');
  world = await buildSampleWorld(file);
  store = await LocalStore.open(file, loadSchema());
  controllers = createStoreControllers(store, world.today);
  data = createStoreData(store);
  session = await startWorkbenchSession({
    controllers,
    data,
    banner: `sample world (packet e2e), today ${world.today}`
  });
  session.context.on('request', (r) => {
    const m = /\/api\/apex\/([^?]+)/.exec(r.url());
    if (m && r.method() === 'POST') apexCalls.push(decodeURIComponent(m[1]!));
  });
  session.context.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource.*status of 400/.test(m.text())) browserErrors.push(m.text());
  });
  session.context.on('weberror', (e) => browserErrors.push(e.error().message));
});

afterAll(async () => {
  await session?.close();
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** As the panels write a date: "Nov 24, 2026" (Chromium runs in en-US here). */
const shortDate = (iso: string) =>
  new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${iso}T00:00:00Z`)
  );
const getPacket = (id: string) => controllers['GtmSecurityPacketController.getPacketStatus']({ opportunityId: id });

async function opportunityId(prefix: string): Promise<string> {
  const o = (await data.listOpportunities()).find((x) => x.name.startsWith(prefix));
  if (!o) throw new Error(`the sample world has no opportunity "${prefix}..."`);
  return o.id;
}

async function openPacket(prefix: string, width = 1440): Promise<{ page: Page; card: Locator; id: string }> {
  const id = await opportunityId(prefix);
  const page = await session.newPage();
  pages.push(page);
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`${session.server.url}/lightning/r/Opportunity/${encodeURIComponent(id)}/view`);
  await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
  const card = page.locator('c-security-packet-status');
  await card.locator('[data-id="review-stage"], [data-id="empty"]').first().waitFor({ timeout: 15_000 });
  return { page, card, id };
}

async function settledText(locator: Locator, expected: string | RegExp, timeout = 15_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let last = '<not rendered>';
  for (;;) {
    if ((await locator.count()) > 0) {
      last = squash(await locator.first().textContent());
      if (typeof expected === 'string' ? last === expected : expected.test(last)) return last;
    }
    if (Date.now() > deadline) return last;
    await sleep(100);
  }
}

const buttonIds = (card: Locator) =>
  card.locator('[data-id="actions"] lightning-button').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));

/** What the overflow check reads of an element (the tooling's tsconfig has no DOM types). */
interface Box {
  scrollWidth: number;
  clientWidth: number;
  getBoundingClientRect(): { right: number; width: number };
}

/** The card's scroll and client width, and how far each table of the panel runs past the card's right edge. */
async function overflow(card: Locator) {
  const article = await card.locator('article.slds-card').evaluate((el) => {
    const a = el as unknown as Box;
    const r = a.getBoundingClientRect();
    return { scrollWidth: a.scrollWidth, clientWidth: a.clientWidth, right: r.right, width: r.width };
  });
  // the tables sit in the card's slot: asked for from the panel, not from inside lightning-card
  const rights = await card
    .locator('table')
    .evaluateAll((els) => els.map((el) => (el as unknown as Box).getBoundingClientRect().right));
  return {
    cardScrollWidth: article.scrollWidth,
    cardClientWidth: article.clientWidth,
    cardWidth: Math.round(article.width),
    tables: rights.length,
    tablesPastTheCard: rights.map((r) => Math.round(r - article.right)).filter((px) => px > 0)
  };
}

/** The computed CSS display of an element: a stacked row's cells are blocks, a table's are table cells. */
const displayOf = (locator: Locator) =>
  locator.evaluate(
    (el) =>
      (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(el).display
  );

describe('layout (issue 13, defect 10)', () => {
  it('fits a 1024 px page: no table runs past the card', async () => {
    const { page, card } = await openPacket('Crescent Retail Group', 1024);
    await card.locator('table[data-id="collateral"] tbody tr').first().waitFor();
    const m = await overflow(card);
    await session.screenshot(page, 'packet-crescent-1024');
    expect(m.tables).toBe(2);
    expect(m.cardScrollWidth).toBeLessThanOrEqual(m.cardClientWidth);
    expect(m.tablesPastTheCard).toEqual([]);
    // the card is a sidebar under 300 px wide here: no cell breaks a word (it read "Versio/n", "FY202/6")
    expect(m.cardWidth).toBeLessThan(400);
    // the rows stack as label/value lines; the column titles are for screen readers only
    expect(await displayOf(card.locator('table[data-id="collateral"] tbody td').first())).toBe('block');
    expect(await splitWords(card, 'table th, table td')).toEqual([]);
  });

  it('works in a 400 px column (a Lightning sidebar): tables wrap inside the card', async () => {
    const { card } = await openPacket('Crescent Retail Group', 1440);
    await card.evaluate((el) => {
      (el as unknown as { style: Record<string, string> }).style.display = 'block';
      (el as unknown as { style: Record<string, string> }).style.width = '400px';
    });
    await card.locator('table[data-id="collateral"] tbody tr').first().waitFor();
    const m = await overflow(card);
    await card.screenshot({ path: path.join(SCREENSHOT_DIR, 'packet-crescent-400-column.png') });
    expect(m.cardWidth).toBeLessThanOrEqual(400);
    expect(m.tables).toBe(2);
    expect(m.cardScrollWidth).toBeLessThanOrEqual(m.cardClientWidth);
    expect(m.tablesPastTheCard).toEqual([]);
    expect(await splitWords(card, 'table th, table td')).toEqual([]);
  });

  it('at 1440 px the tables keep their columns, and no cell breaks a word', async () => {
    const { page, card } = await openPacket('Crescent Retail Group', 1440);
    await card.locator('table[data-id="collateral"] tbody tr').first().waitFor();
    await session.screenshot(page, 'packet-crescent-1440');
    expect(await displayOf(card.locator('table[data-id="collateral"] tbody td').first())).toBe('table-cell');
    expect(await splitWords(card, 'table th, table td')).toEqual([]);
  });
});

describe('review steps in the browser (issue 13, defects 5, 6, 8, 14)', () => {
  it('an In Review packet offers "Send packet again" with a reason, not "Mark packet sent"; the step back is logged', async () => {
    const { page, card, id } = await openPacket('Bluefin Properties');
    const before = await getPacket(id);
    expect(before.reviewStage).toBe('In Review');
    expect(await buttonIds(card)).toEqual(['resend', 'completed', 'show-blocked']);

    await card.locator('lightning-button[data-id="resend"] button').click();
    const submit = card.locator('lightning-button[data-id="submit-resend"] button');
    await submit.waitFor({ timeout: 10_000 });
    const callsBefore = apexCalls.length;
    await submit.click();
    expect(await settledText(card.locator('[data-id="resend-form"]'), /Enter why the packet goes out again/)).toMatch(
      /Enter why the packet goes out again/
    );
    expect(apexCalls.slice(callsBefore)).toEqual([]);

    const reason = 'Customer lost the first packet';
    await card.locator('lightning-textarea[data-id="resend-reason"] textarea').fill(reason);
    await sleep(700);
    await submit.click();
    expect(await settledText(card.locator('[data-id="stage-log"] li'), /packet sent again/)).toBe(
      `${shortDate(world.today)} Workbench User: In Review -> Packet Sent (packet sent again): ${reason} [was: review started ${shortDate(before.reviewStartedDate!)}]`
    );
    expect(squash(await card.locator('[data-id="review-stage"]').textContent())).toBe('Packet Sent');
    const lastStage = card.locator('table[data-id="stages"] tbody tr').last();
    expect(await lastStage.locator('th, td').allTextContents()).toEqual([
      'Packet Sent',
      expect.any(String),
      'Ongoing',
      expect.stringMatching(/^\d+ days?$/)
    ]);
    expect(await buttonIds(card)).toEqual(['completed', 'show-blocked']);
    await session.screenshot(page, 'packet-bluefin-sent-again');
    expect(await getPacket(id)).toMatchObject({ reviewStage: 'Packet Sent', reviewStartedDate: null });
  });

  it('completing a review with expired collateral asks for an exception, and the result is not "on target"', async () => {
    const { page, card, id } = await openPacket('Crescent Retail Group');
    await card.locator('lightning-button[data-id="completed"] button').click();
    const intro = await settledText(card.locator('[data-id="reason-intro"]'), /not ready to complete/);
    expect(intro).toMatch(
      /^The review is not ready to complete: Security Questionnaire expired [A-Z][a-z]{2} \d+, \d{4}/
    );
    // the counter counts down to the field length
    expect(squash(await card.locator('[data-id="reason-counter"]').textContent())).toBe('255 characters left');
    const reason = 'Security accepted the 2025 questionnaire until the renewal lands';
    await card.locator('lightning-textarea[data-id="exception-reason"] textarea').fill(reason);
    expect(
      await settledText(card.locator('[data-id="reason-counter"]'), `${255 - reason.length} characters left`)
    ).toBe(`${255 - reason.length} characters left`);
    await sleep(700);
    await card.locator('lightning-button[data-id="submit-exception"] button').click();
    const cycle = await settledText(card.locator('[data-id="cycle-text"]'), /by exception/);
    expect(cycle).toMatch(/^Completed by exception in \d+ days?: not counted toward the target \(17 days\)$/);
    expect(await card.locator('[data-id="target-text"]').count()).toBe(0);
    expect(squash(await card.locator('[data-id="exception"]').textContent())).toBe(`Completion exception: ${reason}`);
    await session.screenshot(page, 'packet-crescent-exception');
    expect((await getPacket(id)).cycle).toMatchObject({ state: 'completed', byException: true, onTarget: null });
  });

  it('a deal at the proposal stage with missing collateral shows the escalation, naming the item and Security', async () => {
    const { page, card } = await openPacket('Orbitel Mobility');
    const title = await settledText(card.locator('[data-id="escalation-title"]'), /Past the proposal gate/);
    expect(title).toBe('Past the proposal gate without current collateral: 1 item to renew now');
    expect(squash(await card.locator('[data-id="escalation-item"]').first().textContent())).toBe(
      'Security Questionnaire missing. Renewal: Security (nothing published yet)'
    );
    expect(await card.locator('[data-id="escalation"]').getAttribute('role')).toBe('alert');
    await session.screenshot(page, 'packet-orbitel-escalation');
  });

  it('marking a packet sent with collateral missing warns and asks to confirm; Cancel sends nothing', async () => {
    const { page, card, id } = await openPacket('Ember Imports');
    expect(await buttonIds(card)).toEqual(['mark-sent']);
    const callsBefore = apexCalls.length;
    await card.locator('lightning-button[data-id="mark-sent"] button').click();
    const warning = await settledText(card.locator('[data-id="send-warning"]'), /Send the packet anyway\?/);
    expect(warning).toBe('1 required item is not current: Security Questionnaire missing. Send the packet anyway?');
    await session.screenshot(page, 'packet-ember-send-warning');
    await card.locator('lightning-button[data-id="cancel-send"] button').click();
    await sleep(300);
    expect(apexCalls.slice(callsBefore)).toEqual([]);
    expect((await getPacket(id)).packetId).toBeNull();

    await card.locator('lightning-button[data-id="mark-sent"] button').click();
    await card.locator('lightning-button[data-id="confirm-send"] button').click();
    expect(await settledText(card.locator('[data-id="review-stage"]'), 'Packet Sent')).toBe('Packet Sent');
    expect(apexCalls.slice(callsBefore).filter((c) => c.endsWith('.markPacketSent'))).toHaveLength(1);
    expect((await getPacket(id)).requestedDate).toBe(world.today);
  });

  it('no browser errors and no server failures', () => {
    expect(session.serverLog).toEqual([]);
    expect(browserErrors).toEqual([]);
  });
});
