/**
 * What `gtm workbench` runs over a fresh sample world, shared with the end-to-end browser tests so both see the
 * same store: the real usage sync of the world's ticket export and the real backtest against its outcomes, through
 * the local sink (the same code as against an org).
 */
import type { Policy } from '../policy/policy';
import { createLocalSink } from '../store/localSink';
import type { LocalStore } from '../store/localStore';
import { runBacktest, type BacktestResult } from '../usage/backtestRun';
import { runUsageSync, type SyncResult } from '../usage/sync';
import { compilePlan, loadPlan } from '../events/plan';
import { runEventSync, type EventSyncResult } from '../events/sync';
import { ingestSampleAudits } from '../audit/sampleAudits';
import type { IngestResult } from '../audit/ingest';
import { syncActivation, type ActivationSyncResult } from '../onboarding/activation';

export interface WorldExports {
  ticketExport: string;
  outcomesFile: string;
  /** funnel events for `gtm events sync` (worlds built before it had none) */
  eventsFile?: string;
  /** ISO instant the sync and backtest judge weeks and windows on */
  asOf: string;
}

export async function syncSampleWorld(
  store: LocalStore,
  world: WorldExports,
  policy: Policy,
  onProgress?: (message: string) => void
): Promise<{
  sync: SyncResult;
  backtest: BacktestResult;
  events?: EventSyncResult;
  audits: IngestResult[];
  activation: ActivationSyncResult;
}> {
  const sink = createLocalSink(store); // not closed here: the server keeps using the store
  const asOfMs = Date.parse(world.asOf);
  if (Number.isNaN(asOfMs)) throw new Error(`the sample world's as-of is not an instant: ${world.asOf}`);
  const sync = await runUsageSync(
    {
      input: world.ticketExport,
      asOfMs,
      dryRun: false,
      maxRejectRate: policy.number('Usage_Max_Reject_Rate'),
      cacheDir: undefined
    },
    policy,
    sink,
    onProgress
  );
  const backtest = await runBacktest(sink, policy, { asOfMs, outcomesFile: world.outcomesFile, dryRun: false });
  const events = world.eventsFile
    ? await runEventSync(
        {
          input: world.eventsFile,
          asOfMs,
          dryRun: false,
          maxViolationRate: policy.number('Events_Max_Violation_Rate')
        },
        compilePlan(loadPlan()),
        policy,
        sink,
        onProgress
      )
    : undefined;
  // exp-006: the sample hallucination audits, through the real gtm audit ingest code
  const audits = await ingestSampleAudits(store, policy, world.asOf.slice(0, 10));
  // exp-008: activation of the sample onboarding plans, from the same ticket export
  const activation = await syncActivation(sink, world.ticketExport, policy);
  return { sync, backtest, events, audits, activation };
}
