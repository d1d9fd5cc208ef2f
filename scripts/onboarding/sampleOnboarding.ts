/**
 * exp-008 in the sample world: onboarding plans in every state the issue lists, on the world's won deals, walked
 * through the same plan service the CLI and the panel use (planStore.ts). Activation is not written here: `gtm
 * onboarding activation sync` computes it from the world's ticket export (syncWorld.ts runs it).
 *
 * - Blueprint arm: the won "Support Copilot" deals whose first weeks the ticket export covers (closed from
 *   2026-05-18), each walked to go-live at its own pace: the sync finds which activated within 8 days, which late,
 *   and which never (Zephyr Fitness churned before activating; Copper Kettle Diner is live and still short).
 * - Current plans on four new won deals: on track (day 1), at risk by day 3 (the customer's connector is overdue),
 *   blocked on the customer (the DPA, chased), and a converted pilot whose scorecard and security packet were
 *   completed during the pilot: those steps keep their pilot dates.
 * - Legacy arm: pre-program onboardings rebuilt from CRM history (before Program_Start_Date), activated with the
 *   history's dates; one churned before activating. The readout compares the arms "pre/post, not randomized".
 */
import type { Policy } from '../policy/policy';
import { addDays } from '../rules/ruleSupport';
import { isoSeconds } from '../rules/routingRule';
import type { LocalStore } from '../store/localStore';
import { insertRecord, updateRecord } from '../workbench/controllers/storeAccess';
import { activeBlueprint } from './blueprint';
import { createPlan, evaluateStoredPlan, loadPlans, type StoredPlan } from './planStore';

export const SAMPLE_HOURS = 'Onboarding New York';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** 10:00 in New York (standard time): deals are won and steps done in the team's morning */
const MORNING_UTC = 'T15:00:00Z';

interface WalkSpec {
  /** hours each step takes after its release */
  paceHours: number;
  /** steps left as they are (not completed) */
  stopAt?: string[];
}

/** Completes the plan's released steps one by one, each `paceHours` after its release, until none is left to do. */
async function walk(store: LocalStore, plan: StoredPlan, policy: Policy, spec: WalkSpec, untilMs = Infinity) {
  for (let guard = 0; guard < 50; guard++) {
    const current = (await loadPlans(store.db, { planId: plan.id }))[0]!;
    const next = current.steps
      .filter((s) => s.status === 'Open' && !(spec.stopAt ?? []).includes(s.key))
      .map((s) => ({ s, at: Date.parse(s.releasedAt!) + spec.paceHours * HOUR_MS }))
      .filter((x) => x.at <= untilMs)
      .sort((a, b) => a.at - b.at)[0];
    if (!next) return;
    await evaluateStoredPlan(store, plan.id, isoSeconds(next.at), policy, { step: next.s.key, kind: 'complete' });
  }
}

async function wonDeal(
  store: LocalStore,
  accountKey: string,
  name: string,
  closeDate: string,
  wonStage: string
): Promise<{ id: string; account: string }> {
  const account = (
    await store.db.runAndReadAll(
      `SELECT "Id" AS id, "OwnerId" AS owner FROM "Account" WHERE "Usage_Account_Key__c" = $k`,
      {
        k: accountKey
      }
    )
  ).getRowObjects()[0];
  if (!account) throw new Error(`sample onboarding: no account ${accountKey}`);
  const id = await insertRecord(store, 'Opportunity', {
    Name: name,
    AccountId: String(account.id),
    OwnerId: account.owner === null ? null : String(account.owner),
    StageName: wonStage,
    CloseDate: closeDate,
    Type: 'New Business'
  });
  return { id, account: String(account.id) };
}

export async function writeOnboardingSample(store: LocalStore, policy: Policy, today: string): Promise<void> {
  const blueprint = activeBlueprint();
  const wonStage = policy.text('Stage_Closed_Won');
  const todayMs = Date.parse(`${today}T00:00:00Z`);
  const at = (date: string) => `${date}${MORNING_UTC}`;

  // Blueprint arm on the world's won deals the export covers
  const paces: Record<string, WalkSpec & { churnAfterDays?: number }> = {
    'quill-stationery': { paceHours: 20 },
    'redwood-bikes': { paceHours: 22 },
    'saltmarsh-cafe': { paceHours: 26 },
    'thistle-florists': { paceHours: 30 },
    'upland-outdoor': { paceHours: 24 },
    'velvet-salon': { paceHours: 20 },
    'willow-pet-care': { paceHours: 18 },
    'yarrow-bakery': { paceHours: 28 },
    'zephyr-fitness': { paceHours: 20, churnAfterDays: 50 },
    'copper-kettle-diner': { paceHours: 24 }
  };
  const deals = (
    await store.db.runAndReadAll(
      `SELECT o."Id" AS id, o."Name" AS name, o."AccountId" AS account, CAST(o."CloseDate" AS VARCHAR) AS closed,
              a."Usage_Account_Key__c" AS key
       FROM "Opportunity" o JOIN "Account" a ON a."Id" = o."AccountId"
       WHERE o."StageName" = $won AND o."Type" = 'New Business' ORDER BY o."CloseDate", o."Id"`,
      { won: wonStage }
    )
  ).getRowObjects();
  for (const d of deals) {
    const spec = paces[String(d.key)];
    if (!spec) continue;
    const { plan } = await createPlan(
      store,
      {
        accountId: String(d.account),
        opportunityId: String(d.id),
        startAt: at(String(d.closed)),
        hoursName: SAMPLE_HOURS,
        name: String(d.name)
      },
      blueprint
    );
    await walk(store, plan, policy, spec);
    if (spec.churnAfterDays !== undefined)
      await updateRecord(store, 'Onboarding_Plan__c', plan.id, {
        Status__c: 'Churned',
        Churned_At__c: isoSeconds(Date.parse(plan.startAt) + spec.churnAfterDays * DAY_MS)
      });
  }

  // current plans on new won deals, judged as of today
  const current: { key: string; name: string; daysAgo: number; spec: WalkSpec; block?: [string, string] }[] = [
    {
      key: 'everly-consumer-brands',
      name: 'Everly Consumer Brands - Support Copilot',
      daysAgo: 1,
      spec: { paceHours: 3, stopAt: ['knowledge_sync'] }
    },
    {
      key: 'tidewater-shipping',
      name: 'Tidewater Shipping - Support Copilot',
      daysAgo: 5,
      spec: { paceHours: 4, stopAt: ['helpdesk_connector'] }
    },
    {
      key: 'solano-foods',
      name: 'Solano Foods - Support Copilot',
      daysAgo: 8,
      spec: { paceHours: 20, stopAt: ['security_packet', 'suggest_only_audit'] },
      block: ['security_packet', "Waiting for the customer's DPA signature (legal review)"]
    }
  ];
  for (const c of current) {
    const start = addDays(today, -c.daysAgo);
    const deal = await wonDeal(store, c.key, c.name, start, wonStage);
    const { plan } = await createPlan(
      store,
      { accountId: deal.account, opportunityId: deal.id, startAt: at(start), hoursName: SAMPLE_HOURS, name: c.name },
      blueprint
    );
    await walk(store, plan, policy, c.spec, todayMs);
    if (c.block)
      await evaluateStoredPlan(store, plan.id, isoSeconds(Date.parse(at(start)) + 2 * DAY_MS), policy, {
        step: c.block[0],
        kind: 'block',
        reason: c.block[1]
      });
    await evaluateStoredPlan(store, plan.id, isoSeconds(todayMs + 15 * HOUR_MS), policy);
  }

  // a converted pilot: the scorecard and the security packet were completed during the pilot
  const pilotStart = addDays(today, -4);
  const pilot = await wonDeal(
    store,
    'vantage-airlines',
    'Vantage Airlines - Support Copilot (converted pilot)',
    pilotStart,
    wonStage
  );
  await insertRecord(store, 'Pilot_Scorecard__c', {
    Name: 'PSC-VANTAGE',
    Scorecard_Key__c: pilot.id,
    Opportunity__c: pilot.id,
    Status__c: 'Ready',
    Pilot_Start_Date__c: addDays(today, -60),
    Pilot_End_Date__c: pilotStart,
    Criteria_Completed_Date__c: addDays(today, -20)
  });
  await insertRecord(store, 'Security_Packet__c', {
    Name: 'SP-VANTAGE',
    Packet_Key__c: 'packet:vantage-airlines',
    Opportunity__c: pilot.id,
    Review_Stage__c: 'Completed',
    NDA_Signed__c: true,
    Requested_Date__c: addDays(today, -40),
    Packet_Sent_Date__c: addDays(today, -38),
    Review_Started_Date__c: addDays(today, -36),
    Completed_Date__c: addDays(today, -15)
  });
  const { plan: converted } = await createPlan(
    store,
    {
      accountId: pilot.account,
      opportunityId: pilot.id,
      startAt: at(pilotStart),
      hoursName: SAMPLE_HOURS,
      name: 'Vantage Airlines - Support Copilot'
    },
    blueprint
  );
  await walk(store, converted, policy, { paceHours: 20 }, todayMs);
  await evaluateStoredPlan(store, converted.id, isoSeconds(todayMs + 15 * HOUR_MS), policy);

  // Legacy arm: pre-program onboardings from CRM history (days to activation; null: churned at that day)
  const programStart = policy.date('Program_Start_Date');
  const legacy: [string, number, number | null][] = [
    ['northwind-logistics', 150, 9.2],
    ['contoso-health', 140, 11.1],
    ['fabrikam-insurance', 130, 12.4],
    ['halvorsen-telecom', 120, 13.0],
    ['meridian-financial', 110, 13.9],
    ['alder-pharma', 100, 14.2],
    ['brightline-manufacturing', 90, 15.1],
    ['acme-outfitters', 80, 16.3],
    ['bluefin-properties', 70, 18.0],
    ['cobalt-cloud', 60, 21.5],
    ['driftwood-devices', 50, 25.0],
    ['ember-imports', 40, null]
  ];
  for (const [key, daysBefore, days] of legacy) {
    const account = (
      await store.db.runAndReadAll(`SELECT "Id" AS id FROM "Account" WHERE "Usage_Account_Key__c" = $k`, { k: key })
    ).getRowObjects()[0]!;
    const startAt = at(addDays(programStart, -daysBefore));
    const { plan } = await createPlan(
      store,
      {
        accountId: String(account.id),
        opportunityId: null,
        key: `onb:legacy:${key}`,
        startAt,
        arm: 'Legacy',
        hoursName: SAMPLE_HOURS,
        name: 'Pre-program onboarding'
      },
      blueprint
    );
    const endMs = Date.parse(startAt) + (days ?? 30) * DAY_MS;
    await walk(store, plan, policy, { paceHours: (days ?? 30) * 2.5 }, endMs);
    await updateRecord(
      store,
      'Onboarding_Plan__c',
      plan.id,
      days === null
        ? { Status__c: 'Churned', Churned_At__c: isoSeconds(endMs), At_Risk__c: false, At_Risk_Reason__c: null }
        : {
            Status__c: 'Activated',
            At_Risk__c: false,
            At_Risk_Reason__c: null,
            Activated_At__c: isoSeconds(endMs),
            Activation_Evidence__c: JSON.stringify({ source: 'CRM history before the program (pre-program cohort)' })
          }
    );
  }
}
