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

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

type AxeNode = { target: unknown[]; any: { id: string; message: string }[]; all: { message: string }[] };
type AxeRule = { id: string; impact: string | null; help: string; nodes: AxeNode[] };

/** Runs axe-core in a page that has no axe yet. */
async function runAxe(page: Page, resultTypes: string[]): Promise<{ violations: AxeRule[]; incomplete: AxeRule[] }> {
  const axePath = require.resolve('axe-core/axe.min.js', { paths: [REPO_ROOT] });
  await page.addScriptTag({ path: axePath });
  return (await page.evaluate(async (types) => {
    // runs in the browser; the tooling's tsconfig has no DOM types
    const g = globalThis as unknown as {
      axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> };
      document: unknown;
    };
    return g.axe.run(g.document, { resultTypes: types });
  }, resultTypes)) as { violations: AxeRule[]; incomplete: AxeRule[] };
}

/**
 * The page as one plain document: under synthetic shadow the components' DOM is physically in the document, only
 * the DOM accessors are patched to hide it; the native outerHTML getter (taken from a fresh frame) reads it whole.
 * Scripts are left out, so nothing mounts again.
 */
async function flattenedCopy(page: Page): Promise<Page> {
  const html = await page.evaluate(() => {
    const d = (globalThis as unknown as { document: any }).document; // eslint-disable-line @typescript-eslint/no-explicit-any
    const frame = d.createElement('iframe');
    d.body.appendChild(frame);
    const nativeOuterHtml = Object.getOwnPropertyDescriptor(frame.contentWindow.Element.prototype, 'outerHTML')!.get!;
    frame.remove();
    return nativeOuterHtml.call(d.documentElement) as string;
  });
  const copy = await page.context().newPage();
  const url = new URL('/workbench/axe-copy', page.url()).href;
  await copy.route(url, (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html>${html.replace(/<script\b[\s\S]*?<\/script>/gi, '')}`
    })
  );
  await copy.setViewportSize(page.viewportSize() ?? { width: 1440, height: 1000 });
  await copy.goto(url, { waitUntil: 'load' });
  return copy;
}

/** WCAG contrast ratio of two "rgb(a)" colours (the foreground's alpha over the background). */
function contrastRatio(fg: number[], bg: number[]): number {
  const alpha = fg[3] ?? 1;
  const mixed = [0, 1, 2].map((i) => fg[i]! * alpha + bg[i]! * (1 - alpha));
  const lum = (c: number[]) =>
    c
      .map((v) => v / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
      .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i]!, 0);
  const [a, b] = [lum(mixed), lum(bg)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/**
 * What axe leaves "incomplete" on the flattened copy, checked another way; each entry says why axe cannot decide.
 * Anything incomplete that no entry settles is reported as a finding, so the suite fails on it.
 */
const INCOMPLETE_CHECKS: {
  rule: string;
  /** axe's reason, as it words it */
  when: RegExp;
  why: string;
  /** the problem found, or null when the node passes the substitute check */
  check(copy: Page, live: Page, node: AxeNode): Promise<string | null>;
}[] = [
  {
    rule: 'color-contrast',
    when: /contains an image node|background color could not be determined|too short to determine/,
    why: 'SVG text (the usage chart) has no CSS background axe can read, and one-character marks are too short for it to judge: the text colour (SVG fill) is compared with the nearest opaque background instead',
    async check(copy, _live, node) {
      const measured = await copy
        .locator(String(node.target.at(-1)))
        .first()
        .evaluate((el) => {
          const w = globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> };
          const style = w.getComputedStyle(el);
          let bg = 'rgba(0, 0, 0, 0)';
          for (let e = el as { parentElement: unknown } | null; e; e = e.parentElement as typeof e) {
            const c = w.getComputedStyle(e).backgroundColor!;
            if (!/rgba\(.*, 0\)$/.test(c)) {
              bg = c;
              break;
            }
          }
          return {
            fg: (el as { tagName: string }).tagName.toLowerCase() === 'text' ? style.fill! : style.color!,
            bg,
            size: parseFloat(style.fontSize!),
            weight: Number(style.fontWeight)
          };
        });
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const bg = /rgba\(.*, 0\)$/.test(measured.bg) ? [255, 255, 255] : rgb(measured.bg);
      const ratio = contrastRatio(rgb(measured.fg), bg);
      const large = measured.size >= 24 || (measured.size >= 18.66 && measured.weight >= 700);
      const needed = large ? 3 : 4.5;
      return ratio + 1e-9 >= needed
        ? null
        : `contrast ${ratio.toFixed(2)}:1 is below ${needed}:1 (${measured.fg} on ${measured.bg})`;
    }
  },
  {
    rule: 'aria-valid-attr-value',
    when: /aria-controls referenced ID exists on the page while using aria-haspopup/,
    why: 'a closed lightning-combobox renders its listbox only when opened: it is opened, the id looked up, and closed again',
    async check(copy, live, node) {
      const ref = await copy
        .locator(String(node.target.at(-1)))
        .first()
        .getAttribute('aria-controls');
      // in the live page through the native DOM (synthetic shadow patches the accessors Playwright's selectors use)
      const found = await live.evaluate(async (controls) => {
        const d = (globalThis as unknown as { document: any }).document; // eslint-disable-line @typescript-eslint/no-explicit-any
        const frame = d.createElement('iframe');
        d.body.appendChild(frame);
        const query = frame.contentWindow.Document.prototype.querySelector as (this: unknown, s: string) => any; // eslint-disable-line @typescript-eslint/no-explicit-any
        frame.remove();
        const trigger = query.call(d, `[aria-controls="${controls}"]`);
        if (!trigger) return -1;
        trigger.click();
        await new Promise((r) => setTimeout(r, 300));
        const popup = query.call(d, `[id="${controls}"]`);
        trigger.dispatchEvent(new (globalThis as any).KeyboardEvent('keydown', { key: 'Escape', bubbles: true })); // eslint-disable-line @typescript-eslint/no-explicit-any
        return popup ? 1 : 0;
      }, ref);
      if (found < 0) return `nothing on the page controls "${ref}"`;
      return found > 0 ? null : `aria-controls="${ref}" names no element even with the popup open`;
    }
  }
];

/**
 * Runs axe-core in the page and on its flattened copy; returns the violations of the given impacts, and what axe
 * left incomplete on the copy that the checks above do not settle. Under synthetic shadow axe cannot follow ids
 * across the patched shadow roots (aria-labelledby, label for) and errors on those nodes, so its "incomplete" list
 * on the live page is not a verdict: the flattened copy, where every id resolves and colour contrast is computed
 * even beside text inputs, is where incomplete results count.
 */
export async function axeViolations(page: Page, impacts: string[] = ['serious', 'critical']): Promise<AxeFinding[]> {
  const live = await runAxe(page, ['violations']);
  const copy = await flattenedCopy(page);
  try {
    const flat = await runAxe(copy, ['violations', 'incomplete']);
    const findings: AxeFinding[] = [];
    const add = (v: AxeRule, nodes: AxeNode[], prefix = '') => {
      if (nodes.length && impacts.includes(v.impact ?? '')) {
        findings.push({
          id: `${prefix}${v.id}`,
          impact: v.impact ?? '',
          help: v.help,
          targets: nodes.map((n) => JSON.stringify(n.target))
        });
      }
    };
    for (const v of live.violations) add(v, v.nodes);
    for (const v of flat.violations) if (!live.violations.some((l) => l.id === v.id)) add(v, v.nodes, 'flattened: ');
    for (const v of flat.incomplete) {
      const open: AxeNode[] = [];
      for (const node of v.nodes) {
        const reason = [...node.any, ...node.all].map((c) => c.message).join(' ');
        const check = INCOMPLETE_CHECKS.find((c) => c.rule === v.id && c.when.test(reason));
        const problem = check ? await check.check(copy, page, node) : `axe could not decide: ${reason}`;
        if (problem) open.push({ ...node, target: [...node.target, problem] });
      }
      add(v, open, 'incomplete: ');
    }
    return findings;
  } finally {
    await copy.close();
  }
}
