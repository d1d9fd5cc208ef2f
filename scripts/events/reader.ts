/**
 * What other parts of the product read of the synced funnel events (lineage.json names them): weekly active agents
 * per account (the PQA qualification, exp-001) and the onboarding milestones (activation, exp-008). They read
 * Funnel_Event__c through a sink, so they work on the local store and on an org alike.
 */
import type { UsageSink } from '../usage/sink';
import { nsToMs, parseInstant } from '../usage/instant';
import { EVENT_KEY_FIELD, EVENT_OBJECT } from './sync';

const ACCOUNT = 'Account__r.Usage_Account_Key__c';

/**
 * account usage key -> ISO week -> active agents. A week reported again (a late restatement, gtm events sync counts
 * it) takes the latest report by occurred_at, the higher count on a tie: reports of one week are never added up.
 */
export async function weeklyActiveAgents(sink: UsageSink): Promise<Map<string, Map<string, number>>> {
  const rows = await sink.load(EVENT_OBJECT, EVENT_KEY_FIELD, [
    'Event_Name__c',
    'ISO_Week__c',
    'Active_Agents__c',
    'Occurred_At__c',
    ACCOUNT
  ]);
  const latest = new Map<string, { at: bigint; agents: number }>();
  const out = new Map<string, Map<string, number>>();
  for (const r of rows.values()) {
    if (r.Event_Name__c !== 'Agent Activity Reported' || r.ISO_Week__c === null || r.Active_Agents__c === null)
      continue;
    const account = String(r[ACCOUNT]);
    const week = String(r.ISO_Week__c);
    const at = (typeof r.Occurred_At__c === 'string' ? parseInstant(r.Occurred_At__c) : undefined) ?? -1n;
    const agents = Number(r.Active_Agents__c);
    const key = `${account}\u0000${week}`;
    const seen = latest.get(key);
    if (seen && (seen.at > at || (seen.at === at && seen.agents >= agents))) continue;
    latest.set(key, { at, agents });
    const weeks = out.get(account) ?? new Map<string, number>();
    weeks.set(week, agents);
    out.set(account, weeks);
  }
  return out;
}

export const ONBOARDING_MILESTONES = ['Helpdesk Connected', 'Knowledge Source Synced', 'Go Live Enabled'] as const;

export interface Onboarding {
  /** milestone -> epoch ms of its first event */
  milestones: Partial<Record<(typeof ONBOARDING_MILESTONES)[number], number>>;
  /** epoch ms when the last of the three milestones was first reached, when all were */
  activatedAtMs?: number;
}

/** account usage key -> its onboarding milestones, from the first event of each. */
export async function onboardingMilestones(sink: UsageSink): Promise<Map<string, Onboarding>> {
  const rows = await sink.load(EVENT_OBJECT, EVENT_KEY_FIELD, ['Event_Name__c', 'Occurred_At__c', ACCOUNT]);
  const out = new Map<string, Onboarding>();
  for (const r of rows.values()) {
    const name = String(r.Event_Name__c) as (typeof ONBOARDING_MILESTONES)[number];
    if (!ONBOARDING_MILESTONES.includes(name)) continue;
    const ns = typeof r.Occurred_At__c === 'string' ? parseInstant(r.Occurred_At__c) : undefined;
    if (ns === undefined) continue;
    const account = String(r[ACCOUNT]);
    const o = out.get(account) ?? { milestones: {} };
    const ms = nsToMs(ns);
    o.milestones[name] = Math.min(o.milestones[name] ?? Infinity, ms);
    out.set(account, o);
  }
  for (const o of out.values()) {
    const times = ONBOARDING_MILESTONES.map((m) => o.milestones[m]);
    if (times.every((t) => t !== undefined)) o.activatedAtMs = Math.max(...(times as number[]));
  }
  return out;
}
