/**
 * What the workbench stand-in tests share: a sample world in a store of its own (optionally after the real usage
 * sync), its controllers, calls held to the panel contracts, and the message of a refused call; and for the browser
 * suites, the same world served by the workbench in Chromium with its hooks registered.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { panelMethods, type PanelMethodName, type PanelParams, type PanelResult } from '../../contracts/panelContracts';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import { LocalStore } from '../../store/localStore';
import { runUsageSync } from '../../usage/sync';
import { startWorkbenchSession, type WorkbenchSession } from '../browserHarness';
import { ControllerError, type PanelControllers, type WorkbenchData } from '../controllerPort';
import { createStoreControllers, createStoreData } from '../controllers';
import { buildSampleWorld, type SampleWorld } from '../sampleWorld';

export interface OpenWorld {
  dir: string;
  world: SampleWorld;
  store: LocalStore;
  controllers: PanelControllers;
}

/** A fresh sample world in a temp folder named `prefix...`; with `sync`, the usage sync has run over its export. */
export async function openSampleWorld(prefix: string, options: { sync?: boolean } = {}): Promise<OpenWorld> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'store.duckdb');
  const world = await buildSampleWorld(file);
  const store = await LocalStore.open(file, loadSchema());
  if (options.sync) {
    await runUsageSync(
      { input: world.ticketExport, asOfMs: Date.parse(world.asOf), dryRun: false, maxRejectRate: 0.01 },
      loadPolicyFile(),
      createLocalSink(store)
    );
  }
  return { dir, world, store, controllers: createStoreControllers(store, world.today) };
}

export async function closeSampleWorld(open: Partial<OpenWorld>): Promise<void> {
  await open.store?.close();
  if (open.dir) fs.rmSync(open.dir, { recursive: true, force: true });
}

export interface BrowserWorld extends OpenWorld {
  data: WorkbenchData;
  session: WorkbenchSession;
  /** pages a test opened: each is closed after the test */
  pages: Page[];
}

/**
 * Registers a browser suite's hooks over a fresh sample world served by the workbench (store-backed controllers and
 * data, a banner naming the suite): opened before all tests, pages closed after each, everything closed after all.
 * The fields are filled when the suite's first beforeAll runs (hooks run in the order registered, so a suite's own
 * beforeAll after this call sees them).
 */
export function sampleWorldBrowserSuite(label: string): BrowserWorld {
  const suite = { pages: [] as Page[] } as BrowserWorld;
  beforeAll(async () => {
    Object.assign(suite, await openSampleWorld(`gtm-${label}-e2e-`));
    suite.data = createStoreData(suite.store);
    suite.session = await startWorkbenchSession({
      controllers: suite.controllers,
      data: suite.data,
      banner: `sample world (${label} e2e), today ${suite.world.today}`
    });
  });
  afterAll(async () => {
    await suite.session?.close();
    await closeSampleWorld(suite);
  });
  afterEach(async () => {
    for (const p of suite.pages.splice(0)) await p.close();
  });
  return suite;
}

/** Calls a stand-in method with params and result both held to the panel contract. */
export async function contractCall<M extends PanelMethodName>(
  controllers: PanelControllers,
  method: M,
  params: PanelParams<M>
): Promise<PanelResult<M>> {
  panelMethods[method].params.parse(params);
  return panelMethods[method].returns.parse(await controllers[method](params)) as PanelResult<M>;
}

/** The message of a call the stand-in refused (a ControllerError, as the Apex would throw an AuraHandledException). */
export async function refusalOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(ControllerError);
  return (err as Error).message;
}
