/**
 * The program cockpit in the sample world: the locked experiments' readouts at the program's last day (as
 * `gtm readout build --as-of <day 90>` writes them), so the GTM Program page has a portfolio to decide on.
 */
import type { Policy } from '../policy/policy';
import type { LocalStore } from '../store/localStore';
import { DAY_MS, instantOf } from './kpi';
import { buildReadouts, writeReadouts } from './readoutStore';

/** The program's last day (Program_Start_Date + Program_Length_Days - 1): day 90, the scorecard's date. */
export function programLastDay(policy: Policy): string {
  const start = instantOf(policy.date('Program_Start_Date'), 'Program_Start_Date');
  return new Date(start + (policy.integer('Program_Length_Days') - 1) * DAY_MS).toISOString().slice(0, 10);
}

export async function writeProgramSample(store: LocalStore, policy: Policy): Promise<void> {
  const { readouts } = await buildReadouts(store, policy, `${programLastDay(policy)}T00:00:00Z`);
  await writeReadouts(store, policy, readouts);
}
