/**
 * For browser tests of the workbench: builds (or loads the cached) bundle, starts the server on a free port with
 * the given ports, and launches Debian's Chromium through playwright-core once, so a test file pays for that in
 * one beforeAll. Screenshots go to .gtm/artifacts/screenshots/ (gitignored with .gtm/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ToolError } from '../lib/errors';
import { REPO_ROOT } from '../lib/paths';
import { buildWorkbench, WorkbenchBundle } from './build';
import type { PanelControllers, StagePort, WorkbenchData } from './controllerPort';
import { startWorkbenchServer, WorkbenchServer } from './server';

export const CHROMIUM = process.env.GTM_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(REPO_ROOT, '.gtm', 'artifacts', 'screenshots');
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new ToolError(
      `the browser tests need Chromium at ${CHROMIUM}, which is missing: run \`apt-get install -y chromium\` (or set GTM_CHROMIUM)`
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface WorkbenchSession {
  bundle: WorkbenchBundle;
  server: WorkbenchServer;
  browser: Browser;
  context: BrowserContext;
  /** browser console errors and page errors seen so far */
  consoleErrors: string[];
  /** server-side failures (controller crashes, contract violations) */
  serverLog: string[];
  /** a new page; `open` waits until the placed components have mounted */
  newPage(): Promise<Page>;
  open(pathname: string): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startWorkbenchSession(ports: {
  controllers: Partial<PanelControllers>;
  data: WorkbenchData;
  /** the Opportunity page's stage control */
  stages?: StagePort;
  /** the line under the top bar (default "test fakes") */
  banner?: string;
}): Promise<WorkbenchSession> {
  const bundle = await buildWorkbench();
  const serverLog: string[] = [];
  const server = await startWorkbenchServer({
    bundleDir: bundle.dir,
    controllers: ports.controllers,
    data: ports.data,
    stages: ports.stages,
    port: 0,
    banner: ports.banner ?? 'test fakes',
    log: (l) => serverLog.push(l)
  });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await server.close();
    throw err;
  }
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const consoleErrors: string[] = [];
  const newPage = async () => {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    return page;
  };
  return {
    bundle,
    server,
    browser,
    context,
    consoleErrors,
    serverLog,
    newPage,
    async open(pathname) {
      const page = await newPage();
      await page.goto(`${server.url}${pathname}`);
      await page.waitForSelector('html[data-wb-mounted="true"]', { timeout: 30_000 });
      return page;
    },
    async screenshot(page, name) {
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await browser.close().catch(() => {});
      await server.close();
    }
  };
}

/** Runs axe-core in the page; returns the violations of the given impacts. */
export async function axeViolations(
  page: Page,
  impacts: string[] = ['serious', 'critical']
): Promise<{ id: string; impact: string; help: string; targets: string[] }[]> {
  const axePath = require.resolve('axe-core/axe.min.js', { paths: [REPO_ROOT] });
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    // runs in the browser; the tooling's tsconfig has no DOM types
    const g = globalThis as unknown as {
      axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> };
      document: unknown;
    };
    return g.axe.run(g.document, { resultTypes: ['violations'] });
  });
  const violations = (
    result as { violations: { id: string; impact: string; help: string; nodes: { target: unknown[] }[] }[] }
  ).violations;
  return violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
}
