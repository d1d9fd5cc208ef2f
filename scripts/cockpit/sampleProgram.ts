/**
 * The program cockpit in the sample world: 13 weeks of program history as the scheduled jobs would have written it,
 * over the CRM history of those weeks and the weeks before (sampleHistory.ts). Each week's KPI snapshots (`gtm
 * scorecard snapshot --as-of <week end> --publish`), so the trend charts of the org's page have points, and the locked
 * experiments' readouts at each month end and the program's last day (`gtm readout build --as-of ...`), so the
 * portfolio has a history with every recommendation: Continue (exp-003 and exp-005 before their decision dates),
 * Hold (exp-008 below its minimum sample in March and April, exp-003 on day 90), Kill (exp-003 in April with no
 * closed pilot window, exp-005 on day 90), Invalid (exp-001's routing source gone stale) and Scale (exp-008 on day
 * 90: activation 30% faster than before the program on more than its locked minimum of activations per arm).
 */
import type { Policy } from '../policy/policy';
import type { LocalStore } from '../store/localStore';
import { DAY_MS, instantOf } from './kpi';
import { buildReadouts, writeReadouts } from './readoutStore';
import { loadAuditInput, rolloutAudit, writeAudit } from './rolloutAudit';
import { writeProgramHistory } from './sampleHistory';
import { trendDates } from './scorecard';
import { snapshot } from './snapshotStore';

/** The program's last day (Program_Start_Date + Program_Length_Days - 1): day 90, the scorecard's date. */
export function programLastDay(policy: Policy): string {
  const start = instantOf(policy.date('Program_Start_Date'), 'Program_Start_Date');
  return new Date(start + (policy.integer('Program_Length_Days') - 1) * DAY_MS).toISOString().slice(0, 10);
}

/** The month ends inside the program, then its last day. */
export function readoutDates(policy: Policy): string[] {
  const first = policy.date('Program_Start_Date');
  const last = programLastDay(policy);
  const dates: string[] = [];
  const d = new Date(`${first}T00:00:00Z`);
  for (;;) {
    const end = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
    if (end >= last) break;
    dates.push(end);
    d.setUTCMonth(d.getUTCMonth() + 1, 1);
  }
  return [...dates, last];
}

export async function writeProgramSample(store: LocalStore, policy: Policy): Promise<void> {
  await writeProgramHistory(store, policy);
  const last = programLastDay(policy);
  for (const day of trendDates(policy.date('Program_Start_Date'), `${last}T00:00:00Z`))
    await snapshot(store, policy, `${day}T00:00:00Z`, { publish: true });
  for (const day of readoutDates(policy)) {
    const { readouts } = await buildReadouts(store, policy, `${day}T00:00:00Z`);
    await writeReadouts(store, policy, readouts);
  }
  // the rollout audit at day 90 (gtm scorecard audit), for the GTM Program page's tiles
  const asOf = `${last}T00:00:00Z`;
  await writeAudit(store, rolloutAudit(await loadAuditInput(store, asOf), policy, asOf));
}
