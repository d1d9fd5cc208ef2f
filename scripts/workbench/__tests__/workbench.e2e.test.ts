/**
 * End to end: the workbench as `gtm workbench` runs it, in real Chromium. The sample world is built into a temp
 * store, the real usage sync and backtest run over it (the calls the command makes), and the server answers the
 * real panels from createStoreControllers/createStoreData over that store. The tests check that each panel shows
 * what the store computes, that edits and decisions made in the page persist (reload, and the controllers agree),
 * that a user error reaches the page as the ControllerError's message, that axe finds nothing serious, and they
 * write full-page screenshots to .gtm/artifacts/screenshots/e2e-*.png.
 *
 * Records are picked by name from the sample world (never by id). The first run builds the bundle (20-40 s);
 * later runs load it from .gtm/workbench/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { axeViolations, SCREENSHOT_DIR, startWorkbenchSession, WorkbenchSession } from '../browserHarness';
import type { PanelControllers, WorkbenchData } from '../controllerPort';
import { createStoreControllers, createStoreData } from '../controllers';
import { queryRows, WORKBENCH_USER_NAME } from '../controllers/storeAccess';
import { buildSampleWorld, type SampleWorld } from '../sampleWorld';
import { syncSampleWorld } from '../syncWorld';

jest.setTimeout(240_000);

const policy = loadPolicyFile();
const schema = loadSchema();

let dir: string;
let world: SampleWorld;
let store: LocalStore;
let controllers: PanelControllers;
let data: WorkbenchData;
let session: WorkbenchSession;
const pages: Page[] = [];
/** Apex calls the pages made, in order: "Class.method" */
const apexCalls: string[] = [];
/** browser errors, with the test that was running */
const browserErrors: string[] = [];
const inTest = (text: string) => `${expect.getState().currentTestName ?? '(no test)'}: ${text}`;

beforeAll(async () => {
  // the screenshot test must see this run's files, not an earlier run's
  if (fs.existsSync(SCREENSHOT_DIR))
    for (const f of fs.readdirSync(SCREENSHOT_DIR))
      if (/^e2e-.*\.png$/.test(f)) fs.rmSync(path.join(SCREENSHOT_DIR, f));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-workbench-e2e-'));
  const file = path.join(dir, 'world.duckdb');
  world = await buildSampleWorld(file);
  store = await LocalStore.open(file, schema);
  // what `gtm workbench` does on a fresh world
  const { sync, backtest } = await syncSampleWorld(store, world, policy);
  if (sync.failures.length || sync.triggers.length === 0)
    throw new Error(`the usage sync of the sample world failed: ${JSON.stringify(sync.summary)}`);
  if (backtest.writes.failed) throw new Error('the backtest of the sample world failed to write its labels');
  controllers = createStoreControllers(store, world.today);
  data = createStoreData(store);
  session = await startWorkbenchSession({
    controllers,
    data,
    banner: `sample world (e2e), today ${world.today}`
  });
  session.context.on('request', (r) => {
    const m = /\/api\/apex\/([^?]+)/.exec(r.url());
    if (m && r.method() === 'POST') apexCalls.push(decodeURIComponent(m[1]!));
  });
  session.context.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource.*status of 400/.test(m.text()))
      browserErrors.push(inTest(m.text()));
  });
  session.context.on('weberror', (e) => browserErrors.push(inTest(e.error().message)));
});

afterAll(async () => {
  await session?.close();
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

// ---------------------------------------------------------------- helpers

async function opportunityId(prefix: string): Promise<string> {
  const o = (await data.listOpportunities()).find((x) => x.name.startsWith(prefix));
  if (!o) throw new Error(`the sample world has no opportunity "${prefix}..."`);
  return o.id;
}

async function accountId(name: string): Promise<string> {
  const a = (await data.listAccounts()).find((x) => x.name === name);
  if (!a) throw new Error(`the sample world has no account "${name}"`);
  return a.id;
}

const opportunityPage = (id: string) => `/lightning/r/Opportunity/${encodeURIComponent(id)}/view`;
const accountPage = (id: string) => `/lightning/r/Account/${encodeURIComponent(id)}/view`;

async function open(pathname: string): Promise<Page> {
  const page = await session.open(pathname);
  pages.push(page);
  return page;
}

/** Reloads and waits until the placed components have mounted again. */
async function reload(page: Page): Promise<void> {
  await page.reload();
  await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
}

const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The element's text (whitespace squashed) once it matches, or whatever it last was when the time ran out, so the
 * caller's expect shows the difference instead of a bare timeout.
 */
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

/** Every matching element's text, once there are `count` of them (or whatever there is when the time runs out). */
async function allTexts(locator: Locator, count: number, timeout = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeout;
  while ((await locator.count()) !== count && Date.now() < deadline) await sleep(100);
  return (await locator.allTextContents()).map(squash);
}

/** As the panels write a ratio: a percentage cut (not rounded) to one decimal. */
const percent = (ratio: number | string) => `${Math.floor(Number(ratio) * 1000 + 1e-6) / 10}%`;
const scoreText = (score: number | null | undefined, minScore: string) =>
  score === null || score === undefined
    ? `No score yet: no criterion carries weight (threshold ${percent(minScore)})`
    : `Score ${percent(score)} (threshold ${percent(minScore)})`;
/** As the panels write a date: "Nov 24, 2026" (Chromium runs in en-US here). */
const shortDate = (iso: string) =>
  new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${iso}T00:00:00Z`)
  );

/** As the scorecard writes a criterion value: a ratio as a percentage, else the number with its unit. */
const valueText = (value: number, unit: string | null | undefined) =>
  unit === 'ratio'
    ? percent(value)
    : `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 }).format(value)}${unit === '%' ? '%' : unit ? ` ${unit}` : ''}`;

const REASON_REQUIRED = 'Enter why this trigger is not an expansion opportunity before you dismiss it.';
/** between typing and clicking, as a quick person would (lightning-textarea refreshes its message 2 s after the last key) */
const HUMAN_PAUSE_MS = 700;
const DISMISS_REASON = 'Seasonal peak: the share drops back after the holidays';

const getScorecard = (id: string) => controllers['GtmPilotScorecardController.getScorecard']({ opportunityId: id });
const getPacket = (id: string) => controllers['GtmSecurityPacketController.getPacketStatus']({ opportunityId: id });
const getExpansion = (id: string) => controllers['GtmExpansionTriggerController.getExpansionView']({ accountId: id });

// ---------------------------------------------------------------- 1. the store's data on the record pages

describe('record pages show what the store computes', () => {
  it('an Opportunity whose pilot is blocked: criteria, score, blockers and the collateral statuses', async () => {
    const id = await opportunityId('Halvorsen Telecom');
    const sc = await getScorecard(id);
    const packet = await getPacket(id);
    // the world's promise for this deal: blocked by a questionnaire that expires before close
    expect(sc.readiness.ready).toBe(false);
    expect(sc.readiness.blockers.some((b) => b.code === 'collateral_expires_before_close')).toBe(true);
    expect(packet.collateral.map((c) => c.status)).toContain('expires_before_close');

    const page = await open(opportunityPage(id));
    expect(squash(await page.locator('h1 .wb-record-name').textContent())).toBe(sc.opportunityName);
    const card = page.locator('c-pilot-scorecard');
    expect(await settledText(card.locator('[data-id="score"]'), scoreText(sc.score, sc.minScore))).toBe(
      scoreText(sc.score, sc.minScore)
    );
    // one row per criterion, in the store's order, with its metric and met verdict
    const rows = card.locator('table[data-id="criteria"] tbody tr');
    expect(await allTexts(rows.locator('th'), sc.criteria.length)).toEqual(sc.criteria.map((c) => c.metric));
    for (const c of sc.criteria) {
      expect(squash(await card.locator(`tr[data-row="${c.id}"] lightning-badge`).textContent())).toBe(
        c.met ? 'Met' : 'Not met'
      );
    }
    // the panel writes scores as percentages and dates as it does everywhere (issue 13, defect 11)
    // the blockers come written that way from the server: the panel shows their words as they are
    const messages = sc.readiness.blockers.map((b) => b.message);
    expect(messages.join('\n')).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(await allTexts(card.locator('ul[data-id="blockers"] [data-id="blocker-message"]'), messages.length)).toEqual(
      messages
    );
    expect(squash(await card.locator('[data-id="readiness"]').textContent())).toBe('Blocks production approval:');

    const packetCard = page.locator('c-security-packet-status');
    const collateral = packetCard.locator('table[data-id="collateral"] tbody tr');
    expect(await allTexts(collateral.locator('th'), packet.collateral.length)).toEqual(
      packet.collateral.map((c) => c.type)
    );
    expect(await collateral.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')))).toEqual(
      packet.collateral.map((c) => c.status)
    );
    const expiring = packet.collateral.find((c) => c.status === 'expires_before_close')!;
    expect(
      squash(
        await collateral
          .nth(packet.collateral.indexOf(expiring))
          .locator('td[data-id="collateral-status"] > span')
          .textContent()
      )
    ).toBe(`Expires ${shortDate(expiring.validUntil!)}, before close ${shortDate(packet.closeDate!)}`);
    const blocking = packet.collateral.filter((c) => c.status !== 'current').length;
    expect(squash(await packetCard.locator('[data-id="enterprise-line"]').textContent())).toBe(
      `${blocking} ${blocking === 1 ? 'item blocks' : 'items block'} an enterprise proposal`
    );
    await session.screenshot(page, 'e2e-opportunity');
  });

  it('an overdue pilot shows the overdue week-1 completion and the incomplete criteria', async () => {
    const id = await opportunityId('Meridian Financial');
    const sc = await getScorecard(id);
    expect(sc.completion).toBe('overdue');
    expect(sc.daysLeft).toBeLessThan(0);
    const page = await open(opportunityPage(id));
    const card = page.locator('c-pilot-scorecard');
    const days = Math.abs(sc.daysLeft!);
    const overdue = `Overdue by ${days} ${days === 1 ? 'day' : 'days'} (was due ${shortDate(sc.completionDeadline!)})`;
    expect(await settledText(card.locator('[data-id="completion"]'), overdue)).toBe(overdue);
    expect(await card.locator('[data-id="completion"]').getAttribute('class')).toContain('slds-text-color_error');
    expect(squash(await card.locator('[data-id="incomplete"]').textContent())).toBe(
      `${sc.incompleteCount} criteria lack a target, owner or due date`
    );
    const incompleteIds = sc.criteria.filter((c) => !c.complete).map((c) => c.id);
    expect(incompleteIds.length).toBe(sc.incompleteCount);
    for (const cid of incompleteIds)
      expect(await card.locator(`tr[data-row="${cid}"] [data-id="incomplete-marker"]`).count()).toBe(1);
    expect(await card.locator('[data-id="incomplete-marker"]').count()).toBe(incompleteIds.length);
    await session.screenshot(page, 'e2e-opportunity-overdue');
  });

  it.each([
    ['Crescent Retail Group', 'expired'],
    ['Orbitel Mobility', 'missing']
  ])('the %s packet shows its %s collateral as the store judges it', async (name, status) => {
    const id = await opportunityId(name);
    const packet = await getPacket(id);
    expect(packet.collateral.map((c) => c.status)).toContain(status);
    const page = await open(opportunityPage(id));
    const rows = page.locator('c-security-packet-status table[data-id="collateral"] tbody tr');
    await rows.first().waitFor({ timeout: 15_000 });
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')))).toEqual(
      packet.collateral.map((c) => c.status)
    );
    const item = packet.collateral.find((c) => c.status === status)!;
    const expected = status === 'missing' ? 'Missing' : `Expired ${shortDate(item.validUntil!)}`;
    expect(
      squash(
        await page
          .locator(`c-security-packet-status tr[data-status="${status}"] td[data-id="collateral-status"] > span`)
          .textContent()
      )
    ).toBe(expected);
  });

  it('an Account with a Shadow trigger: one bar per chart week, the streak and the evidence weeks', async () => {
    const id = await accountId('Kestrel Hardware');
    const view = await getExpansion(id);
    const latest = view.latestTrigger!;
    expect(latest).toBeTruthy();
    expect(latest.status).toBe('Shadow');
    expect(view.weeks).toHaveLength(policy.integer('Expansion_Chart_Weeks'));

    const page = await open(accountPage(id));
    expect(squash(await page.locator('h1 .wb-record-name').textContent())).toBe(view.accountName);
    const panel = page.locator('c-expansion-trigger-panel');
    const bars = panel.locator('c-usage-share-chart rect[data-kind="bar"]');
    await bars.first().waitFor({ timeout: 15_000 });
    expect(await bars.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-week')))).toEqual(
      view.weeks.map((w) => w.isoWeek)
    );
    expect(await panel.locator('c-usage-share-chart [data-kind="qualifying-marker"]').count()).toBe(
      view.weeks.filter((w) => w.qualifies).length
    );
    expect(squash(await panel.locator('[data-id="trigger-status"] lightning-badge').textContent())).toBe('Shadow');
    expect(squash(await panel.locator('[data-id="trigger-mode"]').textContent())).toBe(
      'Shadow: would have fired, nobody was alerted'
    );
    expect(squash(await panel.locator('[data-id="trigger-share"]').textContent())).toBe(
      `${percent(latest.share!)} AI resolution share on ${latest.ticketsTotal!.toLocaleString('en-US')} tickets`
    );
    const evidence = panel.locator('table[data-id="evidence"] tbody tr');
    expect(await allTexts(evidence.locator('th'), latest.evidenceWeeks.length)).toEqual(
      latest.evidenceWeeks.map((w) => w.isoWeek)
    );
    expect(await allTexts(evidence.locator('td:nth-of-type(2)'), latest.evidenceWeeks.length)).toEqual(
      latest.evidenceWeeks.map((w) => percent(w.share!))
    );
    expect(latest.evidenceWeeks).toHaveLength(policy.integer('Expansion_Consecutive_Weeks'));
    expect(await panel.locator('table[data-id="earlier"] tbody tr').count()).toBe(
      Math.min(5, view.triggers.length - 1)
    );
    // undecided: both decisions are offered
    expect(await panel.locator('lightning-button[data-id="accept"] button').count()).toBe(1);
    expect(await panel.locator('lightning-button[data-id="dismiss"] button').count()).toBe(1);
    await session.screenshot(page, 'e2e-account');
  });
});

// ---------------------------------------------------------------- 2. inline edit

// issue 13, item 6: at 1024 px the highlight fields of a long opportunity header ran past the header
it('at 1024 px no highlight field of any opportunity header runs past the header, and the index tables keep to their cards', async () => {
  const page = await session.newPage();
  await page.setViewportSize({ width: 1024, height: 800 });
  const overflowing: string[] = [];
  for (const o of await data.listOpportunities()) {
    await page.goto(`${session.server.url}${opportunityPage(o.id)}`);
    const past = await page.locator('.slds-page-header').evaluate((header) => {
      const edge = header.getBoundingClientRect().right;
      const blocks = Array.from(header.querySelectorAll('.slds-page-header__detail-block')) as {
        getBoundingClientRect(): { right: number };
      }[];
      return blocks.filter((b) => b.getBoundingClientRect().right > edge + 0.5).length;
    });
    if (past > 0) overflowing.push(o.name);
  }
  await session.screenshot(page, 'e2e-opportunity-header-1024');

  // the index: the opportunities table ran under the Accounts card at 1024 px (issue 13, defect 10)
  await page.goto(`${session.server.url}/`);
  const [opportunities, accounts] = await page
    .locator('article:has(table)')
    .evaluateAll((cards) =>
      (cards as { getBoundingClientRect(): Box; querySelector(s: string): { getBoundingClientRect(): Box } }[]).map(
        (card) => ({ card: card.getBoundingClientRect(), table: card.querySelector('table').getBoundingClientRect() })
      )
    );
  await session.screenshot(page, 'e2e-index-1024');
  await page.close();
  expect(overflowing).toEqual([]);
  expect(opportunities!.table.right).toBeLessThanOrEqual(opportunities!.card.right + 0.5);
  const overlap =
    opportunities!.card.right > accounts!.card.left + 0.5 && opportunities!.card.bottom > accounts!.card.top + 0.5;
  expect({ tableUnderAccounts: overlap && opportunities!.card.top < accounts!.card.bottom }).toEqual({
    tableUnderAccounts: false
  });
});

type Box = { left: number; right: number; top: number; bottom: number };

describe('editing a criterion', () => {
  it('changes the displayed score, and the new score survives a reload and matches getScorecard', async () => {
    const id = await opportunityId('Contoso Health');
    const before = await getScorecard(id);
    const missed = before.criteria.find(
      (c) => !c.met && c.targetDirection === 'At least' && c.targetValue !== null && (c.weight ?? 0) > 0
    )!;
    expect(missed).toBeTruthy();
    const page = await open(opportunityPage(id));
    const card = page.locator('c-pilot-scorecard');
    const score = card.locator('[data-id="score"]');
    expect(await settledText(score, scoreText(before.score, before.minScore))).toBe(
      scoreText(before.score, before.minScore)
    );

    const row = card.locator(`tr[data-row="${missed.id}"]`);
    await row.locator('lightning-button-icon[data-action="edit"] button').click();
    const actual = row.locator(`lightning-input[data-id="${missed.id}"] input`);
    await actual.waitFor({ timeout: 10_000 });
    const newActual = Number(((missed.targetValue ?? 0) + 0.01).toFixed(4));
    await actual.fill(String(newActual));
    await row.locator('lightning-button[data-action="save-edit"] button').click();

    // said beside the score, not in a toast over the blocker list (issue 13, defect 14)
    expect(await settledText(card.locator('[data-id="status-message"]'), /^Criterion saved\./)).toMatch(
      /^Criterion saved\./
    );

    const after = await getScorecard(id);
    expect(after.score).toBeGreaterThan(before.score!);
    expect(after.criteria.find((c) => c.id === missed.id)).toMatchObject({
      actualValue: newActual,
      status: missed.status,
      met: true
    });
    const expected = scoreText(after.score, after.minScore);
    expect(await settledText(score, expected)).toBe(expected);
    expect(squash(await row.locator('lightning-badge').textContent())).toBe('Met');
    // checked last: with the lightning-combobox failure (next test) the row can stay in edit mode
    const rowLeftEditModeAfterSave = (await row.locator('lightning-input').count()) === 0;
    await session.screenshot(page, 'e2e-opportunity-edited');

    await reload(page);
    expect(await settledText(score, expected)).toBe(expected);
    expect(squash(await row.locator('lightning-badge').textContent())).toBe('Met');
    expect(squash(await row.locator('td').nth(1).textContent())).toBe(valueText(newActual, missed.unit));
    expect(await getScorecard(id)).toEqual(after);
    expect({ rowLeftEditModeAfterSave }).toEqual({ rowLeftEditModeAfterSave: true });
  });

  /*
   * BUG (workbench bundle, scripts/workbench/build.ts): lightning-base-components' npm package opens every
   * @salesforce/gate (external/gateStub.js isOpen: () => true), so bc.260.enableComboboxElementInternals is on and
   * lightning-base-combobox calls this.attachInternals() in its constructor, which LWC refuses under synthetic
   * shadow ("attachInternals API is not supported in synthetic shadow."). Every lightning-combobox fails to
   * render: the Status picker of the inline edit (and Direction in Add criterion) is missing in the workbench.
   */
  it('the inline edit offers the Status picklist (lightning-combobox) without browser errors', async () => {
    const id = await opportunityId('Fabrikam Insurance');
    const sc = await getScorecard(id);
    const criterion = sc.criteria[0]!;
    const page = await open(opportunityPage(id));
    const row = page.locator(`c-pilot-scorecard tr[data-row="${criterion.id}"]`);
    await row.locator('lightning-button-icon[data-action="edit"] button').click();
    await row.locator(`lightning-input[data-id="${criterion.id}"] input`).waitFor({ timeout: 10_000 });
    const errorsBefore = browserErrors.length;
    await sleep(500);
    const picker = row.locator('lightning-combobox[data-field="status"] [role="combobox"]');
    const rendered = await picker.waitFor({ timeout: 5_000 }).then(
      () => true,
      () => false
    );
    await session.screenshot(page, 'e2e-opportunity-inline-edit');
    expect({ statusPickerRendered: rendered, browserErrors: browserErrors.slice(errorsBefore) }).toEqual({
      statusPickerRendered: true,
      browserErrors: []
    });
    await picker.click();
    await row.locator(`lightning-base-combobox-item[data-value="${sc.statusOptions.at(-1)}"]`).click();
    await row.locator('lightning-button[data-action="save-edit"] button').click();
    expect(await settledText(row.locator('td').nth(5), sc.statusOptions.at(-1)!)).toBe(sc.statusOptions.at(-1));
  });
});

// ---------------------------------------------------------------- 3. trigger decisions

/** An account's Tasks other than an exp-001 PQA owner's follow-up (made at routing, GtmRoutingService's twin). */
const NOT_PQA_OWNER_TASK = `"Id" NOT IN (SELECT "Owner_Task_Id__c" FROM "Routing_Assignment__c" WHERE "Owner_Task_Id__c" IS NOT NULL)`;

describe('deciding expansion triggers', () => {
  it('accepting a trigger without an opportunity creates the follow-up Task, and the decision survives a reload', async () => {
    const id = await accountId('Foxglove Supply');
    const before = await getExpansion(id);
    const trigger = before.latestTrigger!;
    expect(trigger.canDecide).toBe(true);
    const page = await open(accountPage(id));
    const panel = page.locator('c-expansion-trigger-panel');
    const accept = panel.locator('lightning-button[data-id="accept"] button');
    await accept.waitFor({ timeout: 15_000 });
    await accept.click();

    const decided = `Accepted by ${WORKBENCH_USER_NAME} on ${shortDate(world.today)}`;
    expect(await settledText(panel.locator('[data-id="decided"]'), decided)).toBe(decided);

    const after = (await getExpansion(id)).triggers.find((t) => t.id === trigger.id)!;
    expect(after).toMatchObject({ status: 'Accepted', canDecide: false, decidedDate: world.today });
    expect(after.followUpTaskId).toMatch(/^00T/);
    const tasks = await queryRows(
      store,
      `SELECT "Id", "Subject" FROM "Task" WHERE "WhatId" = $id AND ${NOT_PQA_OWNER_TASK}`,
      {
        id
      }
    );
    expect(tasks.map((t) => t.Id)).toEqual([after.followUpTaskId]);
    expect(String(tasks[0]!.Subject)).toContain(trigger.isoWeek);

    const checkAccepted = async () => {
      expect(await settledText(panel.locator('[data-id="decided"]'), decided)).toBe(decided);
      expect(squash(await panel.locator('[data-id="trigger-status"] lightning-badge').textContent())).toBe('Accepted');
      // the Task's subject links the Task; its owner and due date next to it
      const task = after.followUpTask!;
      expect(squash(await panel.locator('[data-id="decision-task"]').textContent())).toBe(
        `Follow-up task: ${task.subject} (owner ${task.ownerName}, due ${shortDate(task.dueDate!)}, ${task.status})`
      );
      expect(await panel.locator('[data-id="decision-task"] a').getAttribute('href')).toBe(
        `/lightning/r/Task/${after.followUpTaskId}/view`
      );
      expect(await panel.locator('[data-id="actions"]').count()).toBe(0);
    };
    await checkAccepted();
    await session.screenshot(page, 'e2e-account-accepted');
    await reload(page);
    await checkAccepted();

    // the link opens the Task (it was a 404: issue 13, item 10): its subject, status, owner and due date
    const task = after.followUpTask!;
    const [response] = await Promise.all([
      page.waitForNavigation(),
      panel.locator('[data-id="decision-task"] a').click()
    ]);
    expect(response?.status()).toBe(200);
    expect(squash(await page.locator('h1 .wb-record-name').textContent())).toBe(task.subject);
    const fields = await page
      .locator('.slds-page-header__detail-block')
      .evaluateAll((blocks) =>
        blocks.map((b) =>
          (Array.from(b.children) as { textContent: string | null }[]).map((c) => (c.textContent ?? '').trim())
        )
      );
    expect(fields.slice(0, 4)).toEqual([
      ['Status', task.status],
      ['Due Date', shortDate(task.dueDate!)],
      ['Assigned To', task.ownerName],
      ['Related To', before.accountName]
    ]);
    await session.screenshot(page, 'e2e-task');
  });

  it('dismissing without a reason shows the validation and makes no call', async () => {
    const id = await accountId('Ironwood Media');
    const trigger = (await getExpansion(id)).latestTrigger!;
    expect(trigger.canDecide).toBe(true);
    const page = await open(accountPage(id));
    const panel = page.locator('c-expansion-trigger-panel');
    const dismiss = panel.locator('lightning-button[data-id="dismiss"] button');
    await dismiss.waitFor({ timeout: 15_000 });

    const callsBefore = apexCalls.length;
    await dismiss.click();
    expect(await settledText(panel.locator('[data-id="reason-error"]'), REASON_REQUIRED)).toBe(REASON_REQUIRED);
    await sleep(500); // a call, if the panel made one, would have gone out by now
    expect(apexCalls.slice(callsBefore)).toEqual([]);
    expect((await getExpansion(id)).latestTrigger).toMatchObject({ id: trigger.id, status: 'Shadow', canDecide: true });
    expect(await panel.locator('lightning-button[data-id="accept"] button').count()).toBe(1);
    await session.screenshot(page, 'e2e-account-dismiss-validation');
  });

  it('dismissing with a reason records it, and the dismissal survives a reload', async () => {
    const id = await accountId('Juniper Realty');
    const trigger = (await getExpansion(id)).latestTrigger!;
    expect(trigger.canDecide).toBe(true);
    const page = await open(accountPage(id));
    const panel = page.locator('c-expansion-trigger-panel');
    const dismiss = panel.locator('lightning-button[data-id="dismiss"] button');
    await dismiss.waitFor({ timeout: 15_000 });

    const callsBefore = apexCalls.length;
    await panel.locator('lightning-textarea[data-id="dismiss-reason"] textarea').fill(DISMISS_REASON);
    await dismiss.click();
    expect(await settledText(panel.locator('[data-id="decision-reason"]'), `Reason: ${DISMISS_REASON}`)).toBe(
      `Reason: ${DISMISS_REASON}`
    );
    expect(apexCalls.slice(callsBefore)).toContain('GtmExpansionTriggerController.dismissTrigger');
    expect((await getExpansion(id)).triggers.find((t) => t.id === trigger.id)).toMatchObject({
      status: 'Dismissed',
      decisionReason: DISMISS_REASON,
      canDecide: false
    });

    await reload(page);
    expect(await settledText(panel.locator('[data-id="decision-reason"]'), `Reason: ${DISMISS_REASON}`)).toBe(
      `Reason: ${DISMISS_REASON}`
    );
    expect(squash(await panel.locator('[data-id="trigger-status"] lightning-badge').textContent())).toBe('Dismissed');
    expect(squash(await panel.locator('[data-id="decided"]').textContent())).toBe(
      `Dismissed by ${WORKBENCH_USER_NAME} on ${shortDate(world.today)}`
    );
    expect(await panel.locator('[data-id="actions"]').count()).toBe(0);
    await session.screenshot(page, 'e2e-account-dismissed');
  });

  /*
   * BUG (expansionTriggerPanel.js handleReasonChange): after a dismiss without a reason, the panel sets a custom
   * validity on the lightning-textarea and reports it, so the textarea shows its message under the field. Typing
   * a reason clears the custom validity but does not report again, so that message stays until the textarea
   * loses focus. Clicking Dismiss blurs it: the message goes on mousedown, the button moves up about 20 px, the
   * mouseup lands below it, and the click never reaches the button. The first click on Dismiss does nothing.
   */
  it('after the validation, typing a reason and clicking Dismiss once dismisses the trigger', async () => {
    const id = await accountId('Harbor Payments');
    const trigger = (await getExpansion(id)).latestTrigger!;
    expect(trigger.canDecide).toBe(true);
    const page = await open(accountPage(id));
    const panel = page.locator('c-expansion-trigger-panel');
    const dismiss = panel.locator('lightning-button[data-id="dismiss"] button');
    await dismiss.waitFor({ timeout: 15_000 });
    await dismiss.click();
    await panel.locator('[data-id="reason-error"]').waitFor({ timeout: 10_000 });
    await panel.locator('lightning-textarea[data-id="dismiss-reason"] textarea').fill(DISMISS_REASON);
    const callsBefore = apexCalls.length;
    await sleep(HUMAN_PAUSE_MS);
    await dismiss.click();
    await settledText(panel.locator('[data-id="decision-reason"]'), `Reason: ${DISMISS_REASON}`, 5_000);
    await session.screenshot(page, 'e2e-account-dismiss-after-validation');
    expect({
      dismissCallsAfterOneClick: apexCalls.slice(callsBefore).filter((c) => c.endsWith('.dismissTrigger')).length,
      statusAfterOneClick: (await getExpansion(id)).latestTrigger?.status
    }).toEqual({ dismissCallsAfterOneClick: 1, statusAfterOneClick: 'Dismissed' });
  });
});

describe('recording a blocked security review', () => {
  /*
   * The same pattern in securityPacketStatus.js handleReasonChange: the "Enter why the review is blocked" message
   * stays under the textarea until it loses focus, so the Save click after the validation may miss the button.
   */
  it('after the validation, typing a reason and clicking Save once records the blocked review', async () => {
    const id = await opportunityId('Bluefin Properties');
    const before = await getPacket(id);
    expect(before.cycle.state).toBe('in_progress');
    const page = await open(opportunityPage(id));
    const card = page.locator('c-security-packet-status');
    await card.locator('lightning-button[data-id="show-blocked"] button').click();
    const save = card.locator('lightning-button[data-id="submit-blocked"] button');
    await save.waitFor({ timeout: 10_000 });
    const callsBefore = apexCalls.length;
    await save.click();
    // the textarea's own value-missing message or the panel's: either way, no call
    expect(await settledText(card.locator('[data-id="blocked-form"]'), /Enter why the review is blocked/)).toMatch(
      /Enter why the review is blocked/
    );
    await sleep(300);
    expect(apexCalls.slice(callsBefore)).toEqual([]);
    const reason = 'Waiting for the customer to name a data residency region';
    await card.locator('lightning-textarea[data-id="blocked-reason"] textarea').fill(reason);
    await sleep(HUMAN_PAUSE_MS);
    await save.click();
    await settledText(card.locator('[data-id="blocked"]'), /Review blocked/, 5_000);
    await session.screenshot(page, 'e2e-opportunity-blocked-after-validation');
    const after = await getPacket(id);
    expect({
      blockCallsAfterOneClick: apexCalls.slice(callsBefore).filter((c) => c.endsWith('.recordReviewBlocked')).length,
      stageAfterOneClick: after.reviewStage
    }).toEqual({ blockCallsAfterOneClick: 1, stageAfterOneClick: 'Blocked' });
    expect(after.blockedReason).toBe(reason);
    expect(squash(await card.locator('[data-id="blocked"] > span').textContent())).toBe(
      `Review blocked since ${shortDate(world.today)}: ${reason}`
    );
  });
});

// ---------------------------------------------------------------- 4. Apex errors

describe('an Apex error reaches the page as a readable message', () => {
  it('accepting a trigger decided behind the page shows "already Dismissed" and changes nothing', async () => {
    const id = await accountId('Granite Travel');
    const trigger = (await getExpansion(id)).latestTrigger!;
    expect(trigger.canDecide).toBe(true);
    const page = await open(accountPage(id));
    const panel = page.locator('c-expansion-trigger-panel');
    const accept = panel.locator('lightning-button[data-id="accept"] button');
    await accept.waitFor({ timeout: 15_000 });

    // someone else decides it while the page is open
    await controllers['GtmExpansionTriggerController.dismissTrigger']({
      triggerId: trigger.id,
      reason: 'Decided in another tab'
    });
    await accept.click();
    const message = `The expansion trigger ${trigger.isoWeek} is already Dismissed; only Shadow or Open triggers can be decided.`;
    expect(await settledText(panel.locator('[data-id="action-error"]'), message)).toBe(message);
    expect((await getExpansion(id)).triggers.find((t) => t.id === trigger.id)).toMatchObject({
      status: 'Dismissed',
      decisionReason: 'Decided in another tab',
      followUpTaskId: null
    });
    expect(
      await queryRows(store, `SELECT "Id" FROM "Task" WHERE "WhatId" = $id AND ${NOT_PQA_OWNER_TASK}`, { id })
    ).toEqual([]);
    await session.screenshot(page, 'e2e-account-stale-error');
  });

  it('recording a review blocked after it was completed behind the page shows "already completed"', async () => {
    const id = await opportunityId('Crescent Retail Group');
    const before = await getPacket(id);
    expect(before.completedDate).toBeNull();
    const page = await open(opportunityPage(id));
    const card = page.locator('c-security-packet-status');
    const showBlocked = card.locator('lightning-button[data-id="show-blocked"] button');
    await showBlocked.waitFor({ timeout: 15_000 });

    // completed elsewhere (its questionnaire expired: by exception)
    await controllers['GtmSecurityPacketController.recordReviewCompleted']({
      opportunityId: id,
      exceptionReason: 'Completed in another tab'
    });
    await showBlocked.click();
    await card.locator('lightning-textarea[data-id="blocked-reason"] textarea').fill('Waiting on legal');
    await sleep(HUMAN_PAUSE_MS);
    await card.locator('lightning-button[data-id="submit-blocked"] button').click();
    const message = `The security review is already completed (${world.today})`;
    expect(await settledText(card.locator('[data-id="action-error"]'), message)).toBe(message);
    const after = await getPacket(id);
    expect(after).toMatchObject({ reviewStage: 'Completed', completedDate: world.today });
    expect(after.packetSentDate).toBe(before.packetSentDate);
    await session.screenshot(page, 'e2e-opportunity-packet-error');
  });

  it('server side, those were ControllerErrors (400s), not crashes or contract violations', () => {
    expect(session.serverLog).toEqual([]);
    expect(browserErrors).toEqual([]);
  });
});

// ---------------------------------------------------------------- 5. accessibility

describe('accessibility with real data', () => {
  it.each([
    ['Opportunity (blocked pilot)', () => opportunityId('Halvorsen Telecom').then(opportunityPage)],
    ['Opportunity (overdue pilot)', () => opportunityId('Meridian Financial').then(opportunityPage)],
    ['Account (Shadow trigger)', () => accountId('Kestrel Hardware').then(accountPage)],
    ['Account (accepted trigger)', () => accountId('Foxglove Supply').then(accountPage)]
  ])('axe finds no serious or critical violations on the %s page', async (_name, pathname) => {
    const page = await open(await pathname());
    await page.waitForLoadState('networkidle');
    // the panels rendered their data (not a spinner) before the audit
    await page
      .locator('lightning-card table, lightning-card svg[data-id="chart"]')
      .first()
      .waitFor({ timeout: 15_000 });
    expect(await axeViolations(page)).toEqual([]);
  });
});

// ---------------------------------------------------------------- 6. screenshots

describe('screenshots', () => {
  it('wrote a full-page PNG of each record page', () => {
    for (const name of ['e2e-opportunity', 'e2e-opportunity-overdue', 'e2e-account', 'e2e-account-accepted']) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      expect(fs.existsSync(file)).toBe(true);
      const head = fs.readFileSync(file).subarray(0, 24);
      expect(head.subarray(1, 4).toString('latin1')).toBe('PNG');
      // full page: taller than the 1000 px viewport
      expect(head.readUInt32BE(20)).toBeGreaterThan(1000);
    }
  });
});
