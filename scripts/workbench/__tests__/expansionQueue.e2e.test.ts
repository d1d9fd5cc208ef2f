/**
 * The CS Ops trigger queue and the expansion trigger panel in real Chromium over the sample world, as `gtm workbench`
 * serves them (the real usage sync and backtest run first): the queue lists every undecided trigger of the store, a
 * decision made in the queue shows on the Account page after a reload, a snooze persists, and neither the panel nor
 * the queue scrolls sideways at 1024 px or in a 400 px column (screenshots of each in .gtm/artifacts/screenshots/,
 * e2e-queue-*.png and e2e-panel-*.png).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { axeViolations, startWorkbenchSession, WorkbenchSession } from '../browserHarness';
import type { PanelControllers, WorkbenchData } from '../controllerPort';
import { createStoreControllers, createStoreData } from '../controllers';
import { queryRows } from '../controllers/storeAccess';
import { buildSampleWorld, type SampleWorld } from '../sampleWorld';
import { splitWords } from './layoutChecks';
import { syncSampleWorld } from '../syncWorld';

jest.setTimeout(240_000);

const policy = loadPolicyFile();
const QUEUE = '/lightning/n/Trigger_Queue';

let dir: string;
let world: SampleWorld;
let store: LocalStore;
let controllers: PanelControllers;
let data: WorkbenchData;
let session: WorkbenchSession;
const pages: Page[] = [];
const browserErrors: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-queue-e2e-'));
  const file = path.join(dir, 'world.duckdb');
  world = await buildSampleWorld(file);
  store = await LocalStore.open(file, loadSchema());
  const { sync } = await syncSampleWorld(store, world, policy);
  if (sync.failures.length || sync.triggers.length === 0)
    throw new Error(`the usage sync of the sample world failed: ${JSON.stringify(sync.summary)}`);
  controllers = createStoreControllers(store, world.today);
  data = createStoreData(store);
  session = await startWorkbenchSession({
    controllers,
    data,
    banner: `sample world (queue e2e), today ${world.today}`
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

async function open(pathname: string, width = 1024): Promise<Page> {
  const page = await session.newPage();
  pages.push(page);
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`${session.server.url}${pathname}`);
  // the index places no component
  if (pathname !== '/') await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
  return page;
}

async function reload(page: Page): Promise<void> {
  await page.reload();
  await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
}

/** The store's undecided triggers, read directly (not through the controller under test). */
async function undecidedIds(): Promise<string[]> {
  const rows = await queryRows(
    store,
    `SELECT "Id" FROM "Expansion_Trigger__c" WHERE "Status__c" IN ('Shadow', 'Open')
       AND ("Snoozed_Until__c" IS NULL OR "Snoozed_Until__c" <= CAST($today AS DATE)) ORDER BY "Id"`,
    { today: world.today }
  );
  return rows.map((r) => String(r.Id));
}

const queueRows = (page: Page) => page.locator('c-expansion-trigger-queue tr[data-id="row"]');

async function shownIds(page: Page, count: number): Promise<string[]> {
  const rows = queueRows(page);
  await rows.first().waitFor({ timeout: 15_000 });
  const deadline = Date.now() + 15_000;
  while ((await rows.count()) !== count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-trigger-id') ?? ''))).sort();
}

/** scrollWidth and clientWidth of the component's card (lightning-card's article). */
async function cardWidths(card: Locator): Promise<{ scrollWidth: number; clientWidth: number }> {
  await card.waitFor({ timeout: 15_000 });
  return card.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
}

/** Puts the main region in a 400 px column, as a Lightning page's sidebar would hold a component. */
async function narrowColumn(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as { document: { getElementById(id: string): { style: Record<string, string> } } };
    const region = g.document.getElementById('region-main');
    region.style.width = '400px';
    region.style.maxWidth = '400px';
  });
  await new Promise((r) => setTimeout(r, 300));
}

async function accountWithUndecidedLatest(): Promise<{ accountId: string; triggerId: string }> {
  for (const a of await data.listAccounts()) {
    const view = await controllers['GtmExpansionTriggerController.getExpansionView']({ accountId: a.id });
    if (view.latestTrigger?.canDecide) return { accountId: a.id, triggerId: view.latestTrigger.id };
  }
  throw new Error('the sample world has no account whose latest trigger is undecided');
}

describe('the CS Ops trigger queue', () => {
  it('is linked from the index and lists every undecided trigger of the sample world', async () => {
    const index = await open('/');
    await index.locator('[data-id="app-pages"] a', { hasText: 'Trigger Queue' }).click();
    await index.waitForSelector('html[data-wb-mounted="true"]');
    expect(new URL(index.url()).pathname).toBe(QUEUE);

    const expected = await undecidedIds();
    expect(expected.length).toBeGreaterThan(1);
    expect(await shownIds(index, expected.length)).toEqual(expected);
    await session.screenshot(index, 'e2e-queue-1024');
  });

  it('axe finds no serious or critical violations with a decision open', async () => {
    const page = await open(QUEUE);
    await shownIds(page, (await undecidedIds()).length);
    await page.locator('c-expansion-trigger-queue lightning-button[data-id="decide"] button').first().click();
    await page.locator('c-expansion-trigger-queue [data-id="decision-row"]').waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });

  it('a dismissal made in the queue shows on the Account page after a reload', async () => {
    const { accountId, triggerId } = await accountWithUndecidedLatest();
    const page = await open(QUEUE);
    const before = await undecidedIds();
    await shownIds(page, before.length);
    const queue = page.locator('c-expansion-trigger-queue');
    await queue.locator(`tr[data-trigger-id="${triggerId}"] lightning-button[data-id="decide"] button`).click();
    const reason = 'Seasonal peak: the share drops back after the holidays';
    await queue.locator('lightning-textarea[data-id="dismiss-reason"] textarea').fill(reason);
    await queue.locator('lightning-button[data-id="dismiss"] button').click();
    expect(await shownIds(page, before.length - 1)).not.toContain(triggerId);

    const account = await open(`/lightning/r/Account/${encodeURIComponent(accountId)}/view`);
    await reload(account);
    const panel = account.locator('c-expansion-trigger-panel');
    await panel.locator('[data-id="trigger-status"] lightning-badge', { hasText: 'Dismissed' }).waitFor();
    expect(await panel.locator('[data-id="decision-reason"]').textContent()).toContain(reason);

    await reload(page);
    expect(await shownIds(page, before.length - 1)).toEqual(await undecidedIds());
  });

  it('a snooze hides the trigger until its day, across reloads, and shows it on request', async () => {
    const page = await open(QUEUE);
    const before = await undecidedIds();
    const ids = await shownIds(page, before.length);
    const target = ids[0]!;
    const queue = page.locator('c-expansion-trigger-queue');
    await queue.locator(`tr[data-trigger-id="${target}"] lightning-button[data-id="decide"] button`).click();
    const until = new Date(Date.parse(`${world.today}T00:00:00Z`) + 14 * 86_400_000).toISOString().slice(0, 10);
    // as a person types it into lightning-input's date field (en-US here): "Dec 8, 2026"
    const typed = new Intl.DateTimeFormat('en-US', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC'
    }).format(new Date(`${until}T00:00:00Z`));
    const field = queue.locator('lightning-input[data-id="snooze-until"] input');
    await field.fill(typed);
    await field.press('Tab');
    await queue.locator('lightning-button[data-id="snooze"] button').click();
    expect(await shownIds(page, before.length - 1)).not.toContain(target);

    const [stored] = await queryRows(
      store,
      `SELECT "Snoozed_Until__c" AS d FROM "Expansion_Trigger__c" WHERE "Id" = $id`,
      {
        id: target
      }
    );
    expect(String(stored?.d).slice(0, 10)).toBe(until);
    await reload(page);
    expect(await shownIds(page, before.length - 1)).not.toContain(target);
    // SLDS draws the checkbox over the hidden native input: a person clicks its label
    await queue.locator('lightning-input[data-id="show-snoozed"] label').click();
    expect(await shownIds(page, before.length)).toContain(target);
  });
});

// issue 10: the panel and the queue scrolled sideways at 1024 px and in a 400 px column
describe('no horizontal scrolling', () => {
  it.each([
    ['queue', 1024, false],
    ['queue', 1024, true],
    ['panel', 1024, false],
    ['panel', 1024, true]
  ] as const)('the %s at %i px (400 px column: %s)', async (which, width, column) => {
    let page: Page;
    let card: Locator;
    if (which === 'queue') {
      page = await open(QUEUE, width);
      card = page.locator('c-expansion-trigger-queue article.slds-card');
      await shownIds(page, (await undecidedIds()).length);
      // with a decision open, its three forms are the widest thing the queue shows
      await page.locator('c-expansion-trigger-queue lightning-button[data-id="decide"] button').first().click();
      await page.locator('c-expansion-trigger-queue [data-id="decision-row"]').waitFor();
    } else {
      const { accountId } = await accountWithUndecidedLatest();
      page = await open(`/lightning/r/Account/${encodeURIComponent(accountId)}/view`, width);
      card = page.locator('c-expansion-trigger-panel article.slds-card');
      await page.locator('c-expansion-trigger-panel [data-id="actions"]').waitFor();
    }
    if (column) await narrowColumn(page);
    const { scrollWidth, clientWidth } = await cardWidths(card);
    await session.screenshot(page, `e2e-${which}-${column ? '400-column' : String(width)}`);
    if (column) expect(clientWidth).toBeLessThanOrEqual(400);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    // and no cell breaks a word across lines (issue 13, item 4)
    expect(
      await splitWords(
        page.locator(which === 'queue' ? 'c-expansion-trigger-queue' : 'c-expansion-trigger-panel'),
        'th, td'
      )
    ).toEqual([]);
  });

  it('left no browser errors', () => {
    expect(browserErrors).toEqual([]);
  });
});
