/**
 * The workbench in real Chromium, over in-memory fakes of the controller and data ports: the record pages render
 * the panels' data (the fakes answer the panels' own jest fixtures), an Apex error reaches the page as a readable
 * message through the normal error path, a contract violation shows up, axe finds nothing serious, and each page
 * is screenshotted to .gtm/artifacts/screenshots/. The first run builds the bundle (about 20-40 s); later runs
 * load it from .gtm/workbench/.
 */
import type { Locator, Page } from 'playwright-core';
import { listComponents } from '../build';
import { axeViolations, startWorkbenchSession, WorkbenchSession } from '../browserHarness';
import { createFakePorts, FAKE_IDS, FakePorts, loadPanelFixtures } from '../fakePorts';

jest.setTimeout(240_000);

const present = new Set(
  listComponents()
    .components.filter((c) => c.ui)
    .map((c) => c.tag)
);
/** A panel being written may not have its module yet: its tests are skipped, saying so, instead of failing. */
const withPanel = (tag: string, title: string, fn: () => Promise<void>) =>
  present.has(tag)
    ? it(title, fn)
    : it.skip(`${title} (skipped: ${tag} has no module in force-app/main/default/lwc yet)`, fn);
const errors = loadPanelFixtures().errors;

const OPPORTUNITY = `/lightning/r/Opportunity/${FAKE_IDS.opportunity}/view`;
const ACCOUNT = `/lightning/r/Account/${FAKE_IDS.account}/view`;
const FAILING_OPPORTUNITY = `/lightning/r/Opportunity/${FAKE_IDS.failingOpportunity}/view`;
const FAILING_ACCOUNT = `/lightning/r/Account/${FAKE_IDS.failingAccount}/view`;
const probe = (id: string) => `/workbench/probe/${id}`;

let session: WorkbenchSession;
let fakes: FakePorts;
const pages: Page[] = [];

beforeAll(async () => {
  fakes = createFakePorts();
  session = await startWorkbenchSession(fakes);
});

afterAll(async () => {
  await session?.close();
});

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

async function open(pathname: string): Promise<Page> {
  const page = await session.open(pathname);
  pages.push(page);
  return page;
}

/** Waits until a component's rendered text contains every expected string. */
async function expectText(locator: Locator, expected: string[]) {
  for (const text of expected) {
    // visible text: the chart's hover tooltips (svg <title>) carry the same week labels
    await locator.getByText(text, { exact: false }).filter({ visible: true }).first().waitFor({ timeout: 15_000 });
  }
}

describe('workbench probe (the Apex, wire, toast and error shims)', () => {
  it('wires a cacheable method, refreshes it with refreshApex and calls it imperatively', async () => {
    const page = await open(probe(FAKE_IDS.opportunity));
    const probeEl = page.locator('wb-probe');
    await expectText(probeEl, [fakes.views.scorecard.opportunityName]);
    expect(await probeEl.locator('.probe-loads').textContent()).toBe('1');
    // the datatable rendered the criteria
    await expectText(probeEl.locator('lightning-datatable'), [fakes.views.scorecard.criteria[0]!.metric]);

    await probeEl.locator('lightning-button[data-id="refresh"] button').click();
    await probeEl.locator('.probe-loads', { hasText: '2' }).waitFor();

    await probeEl.locator('lightning-button[data-id="imperative"] button').click();
    const toast = page.locator('#wb-toasts .slds-notify_toast[data-variant="success"]');
    await toast.waitFor();
    expect(await toast.textContent()).toContain(fakes.views.scorecard.opportunityName);
    await session.screenshot(page, 'workbench-probe');
  });

  it('shows a ControllerError of an imperative call as the Apex error message, inline and as a toast', async () => {
    const page = await open(probe(FAKE_IDS.opportunity));
    const probeEl = page.locator('wb-probe');
    await expectText(probeEl, [fakes.views.scorecard.opportunityName]);
    await probeEl.locator('lightning-button[data-id="fail"] button').click();
    await probeEl.locator('.probe-action-error').waitFor();
    expect(await probeEl.locator('.probe-action-error').textContent()).toContain('The criterion was not found');
    const toast = page.locator('#wb-toasts .slds-notify_toast[data-variant="error"]');
    await toast.waitFor();
    expect(await toast.locator('.wb-toast-title').textContent()).toBe('Could not save');
    expect(await toast.locator('.wb-toast-message').textContent()).toContain('The criterion was not found');
  });

  it('delivers a wire error with the controller message', async () => {
    const page = await open(probe(FAKE_IDS.failingOpportunity));
    const err = page.locator('wb-probe .probe-wire-error');
    await err.waitFor();
    expect(await err.textContent()).toContain(
      errors.get('pilotScorecard') ?? 'You do not have access to this opportunity.'
    );
  });

  it('turns a response that breaks the contract into a visible "contract violation"', async () => {
    const page = await open(probe(FAKE_IDS.driftOpportunity));
    const err = page.locator('wb-probe .probe-wire-error');
    await err.waitFor();
    expect(await err.textContent()).toContain('contract violation: GtmPilotScorecardController.getScorecard');
    expect(session.serverLog.join('\n')).toContain('contract violation');
  });
});

describe('record pages', () => {
  it('lists the accounts and opportunities with links to their record pages', async () => {
    const page = await session.newPage();
    pages.push(page);
    await page.goto(`${session.server.url}/`);
    await page.locator(`a[href="${OPPORTUNITY}"]`).waitFor();
    await page.locator(`a[href="${ACCOUNT}"]`).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await session.screenshot(page, 'workbench-index');
  });

  it('the Opportunity page has the Lightning header and places both panels', async () => {
    const page = await open(OPPORTUNITY);
    expect(await page.locator('h1 .wb-record-name').textContent()).toBe(fakes.views.scorecard.opportunityName);
    for (const tag of ['c-pilot-scorecard', 'c-security-packet-status']) {
      const placed = page.locator(`.wb-placement[data-tag="${tag}"], .wb-missing`);
      expect(await placed.count()).toBeGreaterThan(0);
    }
  });

  withPanel('c-pilot-scorecard', 'the Opportunity page renders the pilot scorecard data', async () => {
    const page = await open(OPPORTUNITY);
    await expectText(
      page.locator('c-pilot-scorecard'),
      fakes.views.scorecard.criteria.map((c) => c.metric)
    );
    await session.screenshot(page, 'opportunity-record-page');
  });

  withPanel('c-security-packet-status', 'the Opportunity page renders the security packet data', async () => {
    const page = await open(OPPORTUNITY);
    await expectText(
      page.locator('c-security-packet-status'),
      fakes.views.packet.collateral.map((c) => c.type)
    );
  });

  withPanel('c-expansion-trigger-panel', 'the Account page renders the expansion trigger data', async () => {
    const page = await open(ACCOUNT);
    expect(await page.locator('h1 .wb-record-name').textContent()).toBe(fakes.views.expansion.accountName);
    const weeks = [
      fakes.views.expansion.latestTrigger?.isoWeek,
      ...fakes.views.expansion.triggers.map((t) => t.isoWeek)
    ];
    await expectText(
      page.locator('c-expansion-trigger-panel'),
      [...new Set(weeks.filter((w): w is string => Boolean(w)))].slice(0, 3)
    );
    await session.screenshot(page, 'account-record-page');
  });

  it('shows the controller error message in each panel of a failing record', async () => {
    const page = await open(FAILING_OPPORTUNITY);
    const checks: [string, string][] = [
      ['c-pilot-scorecard', 'pilotScorecard'],
      ['c-security-packet-status', 'securityPacketStatus']
    ];
    for (const [tag, folder] of checks) {
      if (!present.has(tag)) continue;
      await expectText(page.locator(tag), [errors.get(folder) ?? 'You do not have access to this opportunity.']);
    }
    await session.screenshot(page, 'opportunity-record-page-error');
    if (present.has('c-expansion-trigger-panel')) {
      const account = await open(FAILING_ACCOUNT);
      await expectText(account.locator('c-expansion-trigger-panel'), [
        errors.get('expansionTriggerPanel') ?? 'You do not have access to this account.'
      ]);
      await session.screenshot(account, 'account-record-page-error');
    }
  });

  it.each([
    ['Opportunity', OPPORTUNITY],
    ['Account', ACCOUNT],
    ['failing Opportunity', FAILING_OPPORTUNITY],
    ['probe', probe(FAKE_IDS.opportunity)]
  ])('axe finds no serious or critical violations on the %s page', async (_name, pathname) => {
    const page = await open(pathname);
    // let the wires provision and the panels render before auditing
    await page.waitForLoadState('networkidle');
    expect(await axeViolations(page)).toEqual([]);
  });

  // issue 13, item 5: what axe leaves "incomplete" fails the suite unless another check settles it
  it('axeViolations reports what axe could not decide unless checked another way, and the live page violations', async () => {
    const page = await session.newPage();
    pages.push(page);
    const url = `${session.server.url}/workbench/axe-fixture`;
    await page.route(url, (route) =>
      route.fulfill({
        contentType: 'text/html; charset=utf-8',
        body: `<!doctype html><html lang="en"><head><title>axe fixture</title></head><body style="background:#fff"><main>
          <svg width="80" height="40" role="img" aria-label="marks">
            <text x="5" y="20" fill="#e0e0e0" data-id="faint">Q</text>
            <text x="40" y="20" fill="#3e3e3c" data-id="dark">Q</text>
          </svg>
          <button type="button" aria-haspopup="listbox" aria-expanded="false" aria-controls="never-rendered">Pick</button>
          <img src="/favicon.ico">
        </main></body></html>`
      })
    );
    await page.goto(url);
    const findings = await axeViolations(page);
    expect(findings.map((f) => f.id).sort()).toEqual([
      'image-alt',
      'incomplete: aria-valid-attr-value',
      'incomplete: color-contrast'
    ]);
    const contrast = findings.find((f) => f.id === 'incomplete: color-contrast')!;
    // only the faint mark: the dark one passes the substitute check
    expect(contrast.targets).toEqual([
      expect.stringMatching(/^\["text\[x=\\"5\\"\]".*contrast 1\.\d\d:1 is below 4\.5:1/)
    ]);
    expect(findings.find((f) => f.id === 'incomplete: aria-valid-attr-value')!.targets).toEqual([
      expect.stringContaining('aria-controls=\\"never-rendered\\" names no element even with the popup open')
    ]);
  });

  it('logged no browser errors besides the failed Apex responses the tests asked for', () => {
    const unexpected = session.consoleErrors.filter((e) => !/Failed to load resource.*status of (400|500)/.test(e));
    expect(unexpected).toEqual([]);
  });
});
