/**
 * The sample world's funnel events (`npm start`): each account with usage has its onboarding (workspace created,
 * helpdesk connected, knowledge synced, a teammate invited, go-live for all but the low-usage accounts) and its
 * weekly active agents for the last complete weeks, from the source `product-web`; two rows break the plan (a case
 * variant of an event name, a role the plan does not have), so the workbench shows quarantine too. The source was
 * first seen before the program's validate-only period, so its events are written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Policy } from '../policy/policy';
import type { LocalStore } from '../store/localStore';
import { isoWeekLabel, weekIndexOf, weekStartMs } from '../usage/isoWeek';
import { SOURCE_FIRST_SEEN_FIELD, SOURCE_KEY_FIELD, SOURCE_OBJECT } from './sync';

export const EVENTS_FILE = 'sample-events.jsonl';
export const SAMPLE_SOURCE = 'product-web';
const DAY_MS = 86_400_000;
/** complete weeks of Agent Activity Reported per account */
const ACTIVITY_WEEKS = 8;

export interface SampleAccount {
  key: string;
  segment: string;
  profile: string;
}

const AGENTS: Record<string, number> = {
  champion: 24,
  riser: 12,
  building: 9,
  nearShare: 7,
  nearVolume: 6,
  brokenStreak: 5,
  low: 2
};
const HELPDESKS = ['zendesk', 'salesforce_service', 'freshdesk', 'intercom'];

/** Writes the events file next to the store and returns its path. */
export function writeSampleEvents(dir: string, accounts: readonly SampleAccount[], asOfMs: number): string {
  const file = path.join(dir, EVENTS_FILE);
  const current = weekIndexOf(asOfMs);
  const onboarded = weekStartMs(current - ACTIVITY_WEEKS) - 21 * DAY_MS;
  const lines: string[] = [];
  const at = (ms: number) => new Date(ms).toISOString();
  const event = (id: string, name: string, key: string, ms: number, properties: Record<string, unknown>) =>
    lines.push(
      JSON.stringify({
        event_id: id,
        event_name: name,
        schema_version: '1-0-0',
        occurred_at: at(ms),
        received_at: at(ms + 1000),
        account_key: key,
        source: SAMPLE_SOURCE,
        properties
      })
    );
  accounts
    .filter((a) => a.profile !== 'none')
    .forEach((a, i) => {
      const t = onboarded + i * 3_600_000;
      const plan = a.segment === 'Enterprise' ? 'enterprise' : a.segment === 'Mid-Market' ? 'team' : 'trial';
      const helpdesk = HELPDESKS[i % HELPDESKS.length]!;
      event(`${a.key}-workspace`, 'Workspace Created', a.key, t, { workspace_id: `ws-${a.key}`, plan });
      event(`${a.key}-helpdesk`, 'Helpdesk Connected', a.key, t + DAY_MS, { helpdesk, connection_id: `conn-${a.key}` });
      event(`${a.key}-knowledge`, 'Knowledge Source Synced', a.key, t + 2 * DAY_MS, {
        source_type: 'help_center',
        articles: 40 + 7 * i
      });
      event(`${a.key}-invite`, 'Teammate Invited', a.key, t + 3 * DAY_MS, {
        invitee_email: `agent1@${a.key}.example`,
        role: 'agent'
      });
      if (a.profile !== 'low')
        event(`${a.key}-golive`, 'Go Live Enabled', a.key, t + 10 * DAY_MS, { helpdesk, queue: 'Tier 1' });
      for (let w = current - ACTIVITY_WEEKS; w < current; w++)
        event(`${a.key}-agents-${isoWeekLabel(w)}`, 'Agent Activity Reported', a.key, weekStartMs(w + 1), {
          iso_week: isoWeekLabel(w),
          active_agents: (AGENTS[a.profile] ?? 1) + ((w + i) % 3)
        });
    });
  const first = accounts.find((a) => a.profile !== 'none')!.key;
  // what senders get wrong: quarantined by gtm events sync, never written
  event(`${first}-agents-typo`, 'agent activity reported', first, weekStartMs(current), {
    iso_week: isoWeekLabel(current - 1),
    active_agents: 3
  });
  event(`${first}-invite-owner`, 'Teammate Invited', first, onboarded + 4 * DAY_MS, {
    invitee_email: `owner@${first}.example`,
    role: 'owner'
  });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Records the sample source as first seen before the validate-only period, so a sync of the file writes. */
export async function seedSampleSource(store: LocalStore, policy: Policy, asOfMs: number): Promise<void> {
  const firstSeen = new Date(asOfMs - (policy.number('Events_Validate_Only_Days') + 30) * DAY_MS).toISOString();
  await store.db.run(
    `INSERT INTO "${SOURCE_OBJECT}" ("Id", "Name", "${SOURCE_KEY_FIELD}", "${SOURCE_FIRST_SEEN_FIELD}") VALUES (${store.newIdSql(SOURCE_OBJECT)}, $name, $name, CAST($first AS TIMESTAMP))`,
    { name: SAMPLE_SOURCE, first: firstSeen }
  );
}
