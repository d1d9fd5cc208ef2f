/**
 * The workbench's sample world: a deterministic CRM in the embedded store (users, 40 accounts among them exp-001's
 * target accounts, pilots with scorecards in every state, security packets and the collateral library,
 * hallucination audits, expansion opportunities) plus the two files the usage commands read: a 26-week ticket
 * export and the expansion outcomes. Same `today`, same records, same ids, same bytes, every run.
 *
 * Usage snapshots and expansion triggers are not written here: `gtm usage sync` makes them from the ticket export
 * (and `gtm usage backtest` labels them from the outcomes), exactly as it would for real data.
 *
 * Dates are relative to `today`, so the states hold on any day: with today 2026-11-24 the export covers the 26
 * complete ISO weeks 2026-W22..2026-W47 and Monday of the current week.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSchema } from '../metadata/schema';
import { loadPolicyFile, type Policy } from '../policy/policy';
import { addDays } from '../rules/ruleSupport';
import { LocalStore } from '../store/localStore';
import { seedSampleSource, writeSampleEvents } from '../events/sampleEvents';
import { writeRoutingSample } from '../routing/sampleRouting';
import { outcomeWindow } from '../usage/backtest';
import { weekIndexOf, weekStartDate, weekStartMs } from '../usage/isoWeek';
import { decimalFraction, evaluateAccount, thresholdsFromPolicy } from '../usage/triggerRules';
import type { ControllerContext } from './controllers/context';
import { loadCriterionTemplate, type CriterionTemplate } from './controllers/criterionTemplate';
import { HALLUCINATION_AUDIT, refreshScorecard } from './controllers/scorecardController';
import { SAMPLE_AUDITS, SAMPLE_MODEL, SAMPLE_PROMPT_VERSION } from '../audit/sampleAudits';
import { inTransaction, insertRecord, WORKBENCH_USER_NAME, type Params } from './controllers/storeAccess';
import { prng } from '../lib/prng';
import { writeOnboardingSample } from '../onboarding/sampleOnboarding';
import { writeProgramSample } from '../cockpit/sampleProgram';

export const DEFAULT_TODAY = '2026-11-24';
/** Complete weeks of tickets in the export (the current, partial week comes on top). */
export const EXPORT_WEEKS = 26;
export const TICKET_FILE = 'sample-tickets.csv';
export const OUTCOMES_FILE = 'sample-outcomes.csv';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const SEED = 0x5eed_2026;

export interface SampleWorld {
  /** the ticket export for `gtm usage sync` */
  ticketExport: string;
  /** account_id,outcome_date for `gtm usage backtest --outcomes` */
  outcomesFile: string;
  /** funnel events (JSON Lines) for `gtm events sync` */
  eventsFile: string;
  /** the instant to sync and backtest as of (today 00:00 UTC) */
  asOf: string;
  today: string;
}

// ---------------------------------------------------------------- accounts and their usage

/**
 * How an account's weekly AI resolution share behaves (exp-005):
 * champion: qualifies week after week (fires, and again after the cooldown); riser: qualifies only lately;
 * nearShare: enough tickets, share one or two tickets under the threshold; nearVolume: share well above, a few
 * tickets under the weekly minimum; brokenStreak: two qualifying weeks, then one short; building: the last two
 * complete weeks qualify (one short of a trigger); low: far from it; none: no tickets (a prospect).
 */
export type UsageProfile =
  | 'champion'
  | 'riser'
  | 'nearShare'
  | 'nearVolume'
  | 'brokenStreak'
  | 'building'
  | 'low'
  | 'none';

interface AccountSpec {
  name: string;
  segment: 'Enterprise' | 'Mid-Market' | 'SMB';
  profile: UsageProfile;
}

const E = 'Enterprise' as const;
const M = 'Mid-Market' as const;
const S = 'SMB' as const;

/** Index order matters: the first 25 (every Enterprise and 11 Mid-Market accounts) are exp-001's target accounts. */
export const SAMPLE_ACCOUNTS: readonly AccountSpec[] = [
  { name: 'Northwind Logistics', segment: E, profile: 'low' },
  { name: 'Contoso Health', segment: E, profile: 'low' },
  { name: 'Fabrikam Insurance', segment: E, profile: 'low' },
  { name: 'Halvorsen Telecom', segment: E, profile: 'low' },
  { name: 'Meridian Financial', segment: E, profile: 'low' },
  { name: 'Alder Pharma', segment: E, profile: 'low' },
  { name: 'Brightline Manufacturing', segment: E, profile: 'low' },
  { name: 'Crescent Retail Group', segment: E, profile: 'none' },
  { name: 'Orbitel Mobility', segment: E, profile: 'none' },
  { name: 'Keystone Energy', segment: E, profile: 'none' },
  { name: 'Solano Foods', segment: E, profile: 'none' },
  { name: 'Everly Consumer Brands', segment: E, profile: 'none' },
  { name: 'Tidewater Shipping', segment: E, profile: 'none' },
  { name: 'Vantage Airlines', segment: E, profile: 'none' },
  { name: 'Acme Outfitters', segment: M, profile: 'low' },
  { name: 'Bluefin Properties', segment: M, profile: 'low' },
  { name: 'Cobalt Cloud', segment: M, profile: 'low' },
  { name: 'Driftwood Devices', segment: M, profile: 'building' },
  { name: 'Ember Imports', segment: M, profile: 'none' },
  { name: 'Foxglove Supply', segment: M, profile: 'champion' },
  { name: 'Granite Travel', segment: M, profile: 'champion' },
  { name: 'Harbor Payments', segment: M, profile: 'champion' },
  { name: 'Ironwood Media', segment: M, profile: 'champion' },
  { name: 'Juniper Realty', segment: M, profile: 'champion' },
  { name: 'Kestrel Hardware', segment: M, profile: 'champion' },
  { name: 'Lumen Beverages', segment: M, profile: 'riser' },
  { name: 'Maple Kitchens', segment: M, profile: 'riser' },
  { name: 'Nimbus Analytics', segment: M, profile: 'nearShare' },
  { name: 'Oakridge Clinics', segment: M, profile: 'nearShare' },
  { name: 'Pinecrest Education', segment: M, profile: 'nearVolume' },
  { name: 'Quill Stationery', segment: S, profile: 'riser' },
  { name: 'Redwood Bikes', segment: S, profile: 'riser' },
  { name: 'Saltmarsh Cafe', segment: S, profile: 'nearShare' },
  { name: 'Thistle Florists', segment: S, profile: 'nearVolume' },
  { name: 'Upland Outdoor', segment: S, profile: 'nearVolume' },
  { name: 'Velvet Salon', segment: S, profile: 'brokenStreak' },
  { name: 'Willow Pet Care', segment: S, profile: 'brokenStreak' },
  { name: 'Yarrow Bakery', segment: S, profile: 'building' },
  { name: 'Zephyr Fitness', segment: S, profile: 'low' },
  { name: 'Copper Kettle Diner', segment: S, profile: 'low' }
];

export const TARGET_ACCOUNT_COUNT = 25;

export const usageKeyOf = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

interface WeekPlan {
  /** 0..EXPORT_WEEKS-1 complete weeks, EXPORT_WEEKS = the current partial week */
  k: number;
  weekIndex: number;
  total: number;
  ai: number;
  unresolved: number;
}

interface UsageRules {
  minTickets: number;
  /** the smallest AI-resolved count that qualifies `total` tickets */
  aiToQualify(total: number): number;
}

function usageRules(policy: Policy): UsageRules {
  const t = thresholdsFromPolicy(policy);
  const { num, den } = decimalFraction(t.share);
  return {
    minTickets: t.minTickets,
    aiToQualify: (total) => Number((num * BigInt(total) + den - 1n) / den)
  };
}

/** One account's weekly tickets, drawn from its profile. */
function planWeeks(
  profile: UsageProfile,
  ordinal: number,
  rules: UsageRules,
  firstWeek: number,
  partialFactor: number,
  rnd: () => number
): WeekPlan[] {
  if (profile === 'none') return [];
  const min = rules.minTickets;
  const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const qualifying = (total: number, share: number) => Math.max(rules.aiToQualify(total), Math.round(total * share));
  const failing = (total: number, share: number) => Math.min(rules.aiToQualify(total) - 1, Math.round(total * share));
  const plans: WeekPlan[] = [];
  for (let k = 0; k <= EXPORT_WEEKS; k++) {
    let total: number;
    let ai: number;
    switch (profile) {
      case 'champion': {
        // the first three qualify from the start, the others from week 4 on
        total = between(min + 30, min + 80);
        const start = ordinal < 3 ? 0 : 4;
        ai = k >= start ? qualifying(total, 0.45 + 0.12 * rnd()) : failing(total, 0.28 + 0.08 * rnd());
        break;
      }
      case 'riser': {
        total = between(min + 15, min + 60);
        const start = EXPORT_WEEKS - 7 + ordinal;
        ai = k >= start ? qualifying(total, 0.44 + 0.08 * rnd()) : failing(total, 0.2 + 0.14 * rnd());
        break;
      }
      case 'nearShare': {
        total = between(min + 10, min + 60);
        ai = rules.aiToQualify(total) - 1 - (rnd() < 0.3 ? between(1, 3) : 0);
        break;
      }
      case 'nearVolume': {
        total = between(min - 6, min - 1);
        ai = qualifying(total, 0.48 + 0.1 * rnd());
        break;
      }
      case 'brokenStreak': {
        total = between(min + 20, min + 60);
        ai = (k + ordinal) % 3 === 2 ? failing(total, 0.34 + 0.03 * rnd()) : qualifying(total, 0.42 + 0.06 * rnd());
        break;
      }
      case 'building': {
        total = between(min + 10, min + 50);
        ai = k >= EXPORT_WEEKS - 2 ? qualifying(total, 0.42 + 0.06 * rnd()) : failing(total, 0.2 + 0.1 * rnd());
        break;
      }
      default: {
        total = between(Math.round(min * 0.3), Math.round(min * 1.6));
        ai = Math.round(total * (0.08 + 0.24 * rnd()));
        if (ai >= rules.aiToQualify(total)) ai = rules.aiToQualify(total) - 1;
      }
    }
    const unresolved = Math.floor((total - ai) * 0.08 * rnd());
    if (k === EXPORT_WEEKS) {
      // the current week so far: the same mix, scaled to the part of the week that has passed
      const scaledTotal = Math.round(total * partialFactor);
      if (scaledTotal === 0) continue;
      plans.push({
        k,
        weekIndex: firstWeek + k,
        total: scaledTotal,
        ai: Math.round(ai * partialFactor),
        unresolved: Math.round(unresolved * partialFactor)
      });
    } else {
      plans.push({ k, weekIndex: firstWeek + k, total, ai, unresolved });
    }
  }
  return plans;
}

const CHANNELS = ['email', 'chat', 'web', 'email', 'chat'];

/** Ticket rows of one account-week: creation spread over the part of the week before `endMs`. */
function ticketRows(accountKey: string, plan: WeekPlan, endMs: number, rnd: () => number): [number, string][] {
  const start = weekStartMs(plan.weekIndex);
  const span = Math.min(WEEK_MS, endMs - start);
  const rows: [number, string][] = [];
  for (let i = 0; i < plan.total; i++) {
    const created = start + Math.floor(rnd() * (span - 1000));
    const resolution = i < plan.ai ? 'ai' : i < plan.ai + plan.unresolved ? 'unresolved' : 'human';
    const resolveMs =
      resolution === 'ai' ? 20_000 + rnd() * 1_800_000 : resolution === 'human' ? 600_000 + rnd() * 172_800_000 : 0;
    const resolved = resolution === 'unresolved' ? '' : new Date(created + Math.floor(resolveMs)).toISOString();
    const channel = CHANNELS[Math.floor(rnd() * CHANNELS.length)]!;
    rows.push([created, `${accountKey},${new Date(created).toISOString()},${resolved},${resolution},${channel}`]);
  }
  return rows;
}

// ---------------------------------------------------------------- the CRM side

const USERS = [
  { Name: WORKBENCH_USER_NAME, Email: 'workbench@example.invalid', Title: 'Workbench (local)' },
  { Name: 'Dana Whitfield', Email: 'dana.whitfield@example.com', Title: 'Account Executive' },
  { Name: 'Priya Raman', Email: 'priya.raman@example.com', Title: 'Account Executive' },
  { Name: 'Marco Ruiz', Email: 'marco.ruiz@example.com', Title: 'Solutions Engineer' },
  { Name: 'Lena Fischer', Email: 'lena.fischer@example.com', Title: 'CS Operations' },
  { Name: 'Sam Okafor', Email: 'sam.okafor@example.com', Title: 'Security Engineer' }
];

/** Actual values per template criterion: one that meets the template target and one that misses it. */
const ACTUALS: Record<string, { met: number; missed: number }> = {
  AI_Resolution_Share: { met: 0.47, missed: 0.33 },
  Resolution_Accuracy: { met: 0.962, missed: 0.91 },
  Escalation_Rate: { met: 0.18, missed: 0.31 },
  First_Response_Time: { met: 3.5, missed: 7.2 },
  Agent_Satisfaction: { met: 4.4, missed: 3.9 }
};

/** What a pilot's scorecard looks like: which template criteria miss, and what week-1 data is lacking. */
interface ScorecardPlan {
  status: string;
  /** template keys whose actual misses the target; every other criterion with an actual meets it */
  missed?: string[];
  /** no actuals yet */
  noActuals?: boolean;
  /** template keys left without an owner / a target / a due date (week-1 completeness) */
  noOwner?: string[];
  noTarget?: string[];
  noDue?: string[];
  /** only these template keys are on the scorecard */
  only?: string[];
}

interface GatePlan {
  status: string;
  rate: number;
  sample: number;
  fallback: boolean;
  /** days before today */
  auditedAgo: number;
}

interface PacketPlan {
  stage: string;
  nda: boolean;
  /** days relative to today (negative = past); absent = not set */
  requested?: number;
  sent?: number;
  started?: number;
  completed?: number;
  blocked?: number;
  blockedReason?: string;
  /** the deal's security questionnaire: valid until today + days; absent = none on the packet */
  questionnaireValidFor?: number;
}

interface DealSpec {
  account: number;
  name: string;
  stage: string;
  type: string;
  amount: number;
  /** days relative to today */
  close: number;
  created: number;
  pilotStart?: number;
  owner: number;
  scorecard?: ScorecardPlan;
  gates?: GatePlan[];
  packet?: PacketPlan;
  /** exp-006: deploys the sample model and prompt, has a structured fallback tested this many days ago; its audit
   * run comes from data/sample/audits (scripts/audit/sampleAudits.ts), ingested after the usage sync */
  audited?: { fallbackTestedAgo: number };
}

const FALLBACK_PATH =
  'Answers below the confidence floor go to the human queue with the AI draft attached; agents can switch the copilot off per queue.';

function deals(policy: Policy): DealSpec[] {
  const pilot = policy.text('Stage_Pilot');
  const proposal = policy.text('Stage_Proposal');
  const passed = (rate: number, sample: number, auditedAgo: number): GatePlan => ({
    status: 'Passed',
    rate,
    sample,
    fallback: true,
    auditedAgo
  });
  const completedReview = (requested: number, days: number, questionnaireValidFor: number): PacketPlan => ({
    stage: 'Completed',
    nda: true,
    requested,
    sent: requested + 1,
    started: requested + 3,
    completed: requested + days,
    questionnaireValidFor
  });
  const nb = 'New Business';
  return [
    // ready for production approval: score >= threshold, complete, gate passed with a fallback path, collateral current
    {
      account: 0,
      name: 'Northwind Logistics - Support Copilot Pilot',
      stage: pilot,
      type: nb,
      amount: 180_000,
      close: 66,
      created: -120,
      pilotStart: -50,
      owner: 1,
      scorecard: { status: 'Ready', missed: ['Agent_Satisfaction'] },
      gates: [passed(0.012, 400, 6)],
      packet: completedReview(-70, 15, 300)
    },
    {
      account: 14,
      name: 'Acme Outfitters - Copilot Pilot',
      stage: pilot,
      type: nb,
      amount: 64_000,
      close: 24,
      created: -110,
      pilotStart: -57,
      owner: 2,
      scorecard: { status: 'Ready' },
      gates: [passed(0.008, 250, 10)],
      packet: completedReview(-90, 31, 200)
    },
    // blocked: score below the threshold
    {
      account: 1,
      name: 'Contoso Health - Patient Support Pilot',
      stage: pilot,
      type: nb,
      amount: 240_000,
      close: 38,
      created: -100,
      pilotStart: -43,
      owner: 1,
      scorecard: { status: 'Not Met', missed: ['Resolution_Accuracy', 'Agent_Satisfaction'] },
      gates: [passed(0.015, 300, 9)],
      packet: completedReview(-75, 16, 260)
    },
    // blocked: the latest hallucination audit failed (an earlier one had passed) and the score is short
    {
      account: 2,
      name: 'Fabrikam Insurance - Claims Copilot Pilot',
      stage: pilot,
      type: nb,
      amount: 210_000,
      close: 52,
      created: -95,
      pilotStart: -36,
      owner: 2,
      scorecard: { status: 'Active', missed: ['First_Response_Time', 'Escalation_Rate'] },
      gates: [passed(0.015, 210, 30), { status: 'Failed', rate: 0.034, sample: 320, fallback: true, auditedAgo: 6 }],
      packet: completedReview(-60, 12, 280)
    },
    // blocked: the audit is still pending on too small a sample, and no fallback path
    {
      account: 15,
      name: 'Bluefin Properties - Tenant Desk Pilot',
      stage: pilot,
      type: nb,
      amount: 72_000,
      close: 45,
      created: -80,
      pilotStart: -29,
      owner: 1,
      scorecard: { status: 'Active', missed: ['Escalation_Rate'] },
      gates: [{ status: 'Pending', rate: 0.01, sample: 120, fallback: false, auditedAgo: 3 }],
      packet: { stage: 'In Review', nda: true, requested: -21, sent: -20, started: -14, questionnaireValidFor: 300 }
    },
    // blocked: the deal's security questionnaire expires before the opportunity closes
    {
      account: 3,
      name: 'Halvorsen Telecom - Care Copilot Pilot',
      stage: pilot,
      type: nb,
      amount: 320_000,
      close: 94,
      created: -130,
      pilotStart: -45,
      owner: 2,
      scorecard: { status: 'Active', missed: ['Agent_Satisfaction'] },
      gates: [passed(0.011, 280, 12)],
      packet: completedReview(-65, 14, 52)
    },
    // overdue: week 1 is over and criteria still lack owners and a target
    {
      account: 4,
      name: 'Meridian Financial - Servicing Pilot',
      stage: pilot,
      type: nb,
      amount: 260_000,
      close: 80,
      created: -60,
      pilotStart: -22,
      owner: 1,
      scorecard: {
        status: 'Draft',
        noActuals: true,
        noOwner: ['Escalation_Rate', 'Agent_Satisfaction'],
        noTarget: ['First_Response_Time']
      }
    },
    {
      account: 16,
      name: 'Cobalt Cloud - Support Copilot Pilot',
      stage: pilot,
      type: nb,
      amount: 58_000,
      close: 60,
      created: -50,
      pilotStart: -15,
      owner: 2,
      scorecard: {
        status: 'Draft',
        noActuals: true,
        noDue: ['AI_Resolution_Share', 'Escalation_Rate', 'Agent_Satisfaction']
      }
    },
    // due: inside week 1, still incomplete
    {
      account: 5,
      name: 'Alder Pharma - Medical Info Pilot',
      stage: pilot,
      type: nb,
      amount: 290_000,
      close: 100,
      created: -40,
      pilotStart: -4,
      owner: 1,
      scorecard: { status: 'Draft', noActuals: true, noOwner: ['First_Response_Time', 'Agent_Satisfaction'] }
    },
    {
      account: 17,
      name: 'Driftwood Devices - Copilot Pilot',
      stage: pilot,
      type: nb,
      amount: 45_000,
      close: 70,
      created: -30,
      pilotStart: -1,
      owner: 2,
      scorecard: {
        status: 'Draft',
        noActuals: true,
        only: ['AI_Resolution_Share', 'Resolution_Accuracy', 'Escalation_Rate'],
        noTarget: ['Escalation_Rate']
      }
    },
    // a pilot without a scorecard: the panel offers the template
    {
      account: 6,
      name: 'Brightline Manufacturing - Field Service Pilot',
      stage: pilot,
      type: nb,
      amount: 150_000,
      close: 90,
      created: -35,
      pilotStart: -1,
      owner: 1
    },
    // enterprise proposals (exp-002): expired, missing and blocked security reviews
    {
      account: 7,
      name: 'Crescent Retail Group - Enterprise Rollout',
      stage: proposal,
      type: nb,
      amount: 410_000,
      close: 40,
      created: -70,
      owner: 2,
      packet: { stage: 'In Review', nda: true, requested: -22, sent: -21, started: -14, questionnaireValidFor: -24 }
    },
    {
      account: 8,
      name: 'Orbitel Mobility - Enterprise Rollout',
      stage: proposal,
      type: nb,
      amount: 360_000,
      close: 60,
      created: -45,
      owner: 1,
      packet: { stage: 'Packet Sent', nda: false, requested: -8, sent: -7 }
    },
    {
      account: 9,
      name: 'Keystone Energy - Grid Support Copilot',
      stage: proposal,
      type: nb,
      amount: 275_000,
      close: 75,
      created: -80,
      owner: 2,
      packet: {
        stage: 'Blocked',
        nda: true,
        requested: -36,
        sent: -35,
        started: -32,
        blocked: -11,
        blockedReason: 'Customer requires an ISO 27001 certificate; the trust library has none.',
        questionnaireValidFor: 330
      }
    },
    {
      account: 18,
      name: 'Ember Imports - Support Copilot',
      stage: proposal,
      type: nb,
      amount: 38_000,
      close: 30,
      created: -25,
      owner: 1
    },
    // exp-006: one pilot in each hallucination-gate state, otherwise ready for production approval (as Acme)
    ...SAMPLE_AUDITS.map(
      (audit, i): DealSpec => ({
        account: SAMPLE_ACCOUNTS.findIndex((a) => audit.deal.startsWith(`${a.name} - `)),
        name: audit.deal,
        stage: pilot,
        type: nb,
        amount: 48_000 + 6_000 * i,
        close: 24,
        created: -110,
        pilotStart: -57,
        owner: 1 + (i % 2),
        scorecard: { status: 'Ready' },
        packet: completedReview(-90, 31, 200),
        audited: { fallbackTestedAgo: 5 }
      })
    ),
    // exp-001 outbound: early-stage deals at target accounts
    ...[10, 11, 12, 13].map(
      (account, i): DealSpec => ({
        account,
        name: `${SAMPLE_ACCOUNTS[account]!.name} - ${i % 2 ? 'Discovery' : 'Outbound'}`,
        stage: i % 3 === 0 ? 'Qualification' : 'Prospecting',
        type: nb,
        amount: 40_000 + 15_000 * i,
        close: 60 + 10 * i,
        created: -20 - 3 * i,
        owner: 1 + (i % 2)
      })
    )
  ];
}

/** Published library items (no packet) and older versions the rule must ignore. */
function libraryCollateral(): Params[] {
  const url = (slug: string) => `https://trust.example.com/documents/${slug}`;
  return [
    {
      Name: 'SOC 2 Type II report FY2025',
      Collateral_Type__c: 'SOC 2 Type II',
      Status__c: 'Retired',
      Version__c: 'FY2025',
      Valid_From__c: -500,
      Valid_Until__c: -135,
      Requires_NDA__c: true,
      Document_URL__c: url('soc2-fy2025')
    },
    {
      Name: 'SOC 2 Type II report FY2026',
      Collateral_Type__c: 'SOC 2 Type II',
      Status__c: 'Published',
      Version__c: 'FY2026',
      Valid_From__c: -135,
      Valid_Until__c: 230,
      Requires_NDA__c: true,
      Document_URL__c: url('soc2-fy2026')
    },
    {
      Name: 'Penetration test summary 2026-H1',
      Collateral_Type__c: 'Penetration Test Summary',
      Status__c: 'Published',
      Version__c: '2026-H1',
      Valid_From__c: -180,
      Valid_Until__c: 185,
      Requires_NDA__c: true,
      Document_URL__c: url('pentest-2026h1')
    },
    {
      Name: 'Data Processing Addendum',
      Collateral_Type__c: 'Data Processing Addendum',
      Status__c: 'Published',
      Version__c: 'v4.2',
      Valid_From__c: -300,
      Valid_Until__c: null,
      Requires_NDA__c: false,
      Document_URL__c: url('dpa-v4-2')
    },
    {
      Name: 'AI Data Usage Policy',
      Collateral_Type__c: 'AI Data Usage Policy',
      Status__c: 'Published',
      Version__c: 'v3',
      Valid_From__c: -200,
      Valid_Until__c: 400,
      Requires_NDA__c: false,
      Document_URL__c: url('ai-data-usage-v3')
    },
    {
      Name: 'AI Data Usage Policy (draft)',
      Collateral_Type__c: 'AI Data Usage Policy',
      Status__c: 'Draft',
      Version__c: 'v4-draft',
      Valid_From__c: null,
      Valid_Until__c: null,
      Requires_NDA__c: false,
      Document_URL__c: null
    }
  ];
}

// ---------------------------------------------------------------- building it

interface Built {
  accountIds: string[];
  userIds: string[];
}

async function writeCrm(
  ctx: ControllerContext,
  template: CriterionTemplate[],
  outcomes: Map<number, { date: string; open: boolean }[]>
): Promise<Built> {
  const { store, today, policy } = ctx;
  const on = (days: number | undefined | null) => (days === undefined || days === null ? null : addDays(today, days));
  const userIds: string[] = [];
  for (const u of USERS) userIds.push(await insertRecord(store, 'User', u));

  const accountIds: string[] = [];
  for (const [i, a] of SAMPLE_ACCOUNTS.entries()) {
    accountIds.push(
      await insertRecord(store, 'Account', {
        Name: a.name,
        OwnerId: userIds[1 + (i % 2)]!,
        GTM_Segment__c: a.segment,
        GTM_Target_Account__c: i < TARGET_ACCOUNT_COUNT,
        Usage_Account_Key__c: usageKeyOf(a.name)
      })
    );
  }

  // customers with usage won their first deal a year ago
  for (const [i, a] of SAMPLE_ACCOUNTS.entries()) {
    if (a.profile === 'none' || i < 18) continue;
    await insertRecord(store, 'Opportunity', {
      Name: `${a.name} - Support Copilot`,
      AccountId: accountIds[i]!,
      StageName: policy.text('Stage_Closed_Won'),
      CloseDate: on(-400 + 7 * i),
      Amount: 30_000 + 2_500 * i,
      Type: 'New Business',
      CreatedDate: `${on(-480 + 7 * i)} 09:00:00`,
      OwnerId: userIds[1 + (i % 2)]!
    });
  }

  // expansion opportunities: the outcomes the backtest labels triggers with
  const outcomeTypes = policy.list('Expansion_Outcome_Opportunity_Types');
  for (const [i, list] of [...outcomes].sort((a, b) => a[0] - b[0])) {
    for (const [j, o] of list.entries()) {
      await insertRecord(store, 'Opportunity', {
        Name: `${SAMPLE_ACCOUNTS[i]!.name} - Expansion ${o.date.slice(0, 7)}`,
        AccountId: accountIds[i]!,
        StageName: o.open ? 'Qualification' : policy.text('Stage_Closed_Won'),
        CloseDate: o.open ? on(45) : addDays(o.date, 30),
        Amount: 20_000 + 5_000 * j,
        Type: outcomeTypes[j % outcomeTypes.length] ?? 'Expansion',
        CreatedDate: `${o.date} 10:00:00`,
        OwnerId: userIds[1 + (i % 2)]!
      });
    }
  }

  // the trust library, and the program-level hallucination gate definition (no opportunity: never a deal's gate)
  for (const c of libraryCollateral()) {
    await insertRecord(store, 'Trust_Collateral__c', {
      ...c,
      Collateral_Key__c: `library:${usageKeyOf(String(c.Name))}`,
      Valid_From__c: on(c.Valid_From__c as number | null),
      Valid_Until__c: on(c.Valid_Until__c as number | null)
    });
  }
  await insertRecord(store, 'GTM_Launch_Gate__c', {
    Name: 'Hallucination-rate audit',
    Gate_Key__c: 'gate-hallucination-audit',
    Gate_Type__c: HALLUCINATION_AUDIT,
    Scope__c: 'Program',
    Status__c: 'Pending',
    Threshold__c: Number(policy.decimal('Hallucination_Max_Rate')),
    Threshold_Policy_Key__c: 'Hallucination_Max_Rate',
    Threshold_Direction__c: 'At most',
    Risk_Control__c: 'No customer-visible rollout without hallucination-rate audit and fallback path.'
  });

  for (const d of deals(policy)) {
    const accountId = accountIds[d.account]!;
    const oppId = await insertRecord(store, 'Opportunity', {
      Name: d.name,
      AccountId: accountId,
      StageName: d.stage,
      CloseDate: on(d.close),
      Amount: d.amount,
      Type: d.type,
      CreatedDate: `${on(d.created)} 09:30:00`,
      OwnerId: userIds[d.owner]!,
      Pilot_Start_Date__c: on(d.pilotStart),
      ...(d.audited ? { Deployed_Model__c: SAMPLE_MODEL, Deployed_Prompt_Version__c: SAMPLE_PROMPT_VERSION } : {})
    });
    if (d.scorecard) await writeScorecard(ctx, template, oppId, d, userIds);
    if (d.audited)
      await insertRecord(store, 'GTM_Launch_Gate__c', {
        Name: `Hallucination audit - ${d.name}`.slice(0, 80),
        Gate_Key__c: `gate-hallucination-audit:${oppId}`,
        Gate_Type__c: HALLUCINATION_AUDIT,
        Scope__c: 'Opportunity',
        Opportunity__c: oppId,
        Account__c: accountId,
        Status__c: 'Pending',
        Fallback_Type__c: 'Human handoff',
        Fallback_Tested_At__c: on(-d.audited.fallbackTestedAgo),
        Fallback_Test_Evidence__c: 'https://wiki.example.com/copilot/fallback-drill',
        Handoff_Sla_Minutes__c: 15,
        Threshold__c: Number(policy.decimal('Hallucination_Max_Rate')),
        Threshold_Policy_Key__c: 'Hallucination_Max_Rate',
        Threshold_Direction__c: 'At most'
      });
    for (const [g, gate] of (d.gates ?? []).entries()) {
      const last = g === (d.gates ?? []).length - 1;
      await insertRecord(store, 'GTM_Launch_Gate__c', {
        Name: `Hallucination audit - ${d.name}`.slice(0, 80),
        Gate_Key__c: last ? `gate-hallucination-audit:${oppId}` : `gate-hallucination-audit:${oppId}:${g + 1}`,
        Gate_Type__c: HALLUCINATION_AUDIT,
        Scope__c: 'Opportunity',
        Opportunity__c: oppId,
        Account__c: accountId,
        Status__c: gate.status,
        Measured_Value__c: gate.rate,
        Sample_Size__c: gate.sample,
        Fallback_Path__c: gate.fallback ? FALLBACK_PATH : null,
        Audited_Date__c: on(-gate.auditedAgo),
        Threshold__c: Number(policy.decimal('Hallucination_Max_Rate')),
        Threshold_Policy_Key__c: 'Hallucination_Max_Rate',
        Threshold_Direction__c: 'At most'
      });
    }
    if (d.packet) {
      const p = d.packet;
      const packetId = await insertRecord(store, 'Security_Packet__c', {
        Name: `SP-${String(d.account + 1).padStart(4, '0')}`,
        Packet_Key__c: `packet:${usageKeyOf(SAMPLE_ACCOUNTS[d.account]!.name)}`,
        Opportunity__c: oppId,
        Review_Stage__c: p.stage,
        NDA_Signed__c: p.nda,
        Requested_Date__c: on(p.requested),
        Packet_Sent_Date__c: on(p.sent),
        Review_Started_Date__c: on(p.started),
        Completed_Date__c: on(p.completed),
        Blocked_Date__c: on(p.blocked),
        Blocked_Reason__c: p.blockedReason ?? null
      });
      if (p.questionnaireValidFor !== undefined) {
        await insertRecord(store, 'Trust_Collateral__c', {
          Name: `Security questionnaire - ${SAMPLE_ACCOUNTS[d.account]!.name}`,
          Collateral_Key__c: `questionnaire:${usageKeyOf(SAMPLE_ACCOUNTS[d.account]!.name)}`,
          Collateral_Type__c: 'Security Questionnaire',
          Status__c: 'Published',
          Version__c: `${on(p.questionnaireValidFor - 365)!.slice(0, 4)}.1`,
          Valid_From__c: on(p.questionnaireValidFor - 365),
          Valid_Until__c: on(p.questionnaireValidFor),
          Requires_NDA__c: true,
          Security_Packet__c: packetId,
          Document_URL__c: `https://trust.example.com/questionnaires/${usageKeyOf(SAMPLE_ACCOUNTS[d.account]!.name)}`
        });
      }
    }
  }
  return { accountIds, userIds };
}

async function writeScorecard(
  ctx: ControllerContext,
  template: CriterionTemplate[],
  oppId: string,
  d: DealSpec,
  userIds: string[]
): Promise<void> {
  const plan = d.scorecard!;
  const start = addDays(ctx.today, d.pilotStart ?? 0);
  const scorecardId = await insertRecord(ctx.store, 'Pilot_Scorecard__c', {
    Name: `PSC-${String(d.account + 1).padStart(4, '0')}`,
    Scorecard_Key__c: oppId,
    Opportunity__c: oppId,
    Status__c: plan.status,
    Pilot_Start_Date__c: start,
    Pilot_End_Date__c: addDays(start, 60),
    Template_Version__c: template.find((t) => t.templateVersion)?.templateVersion ?? null
  });
  const owners = [d.owner, 3, 4];
  for (const [i, t] of template.entries()) {
    if (plan.only && !plan.only.includes(t.key)) continue;
    const actuals = ACTUALS[t.key];
    const missed = plan.missed?.includes(t.key) ?? false;
    const actual = plan.noActuals || !actuals ? null : missed ? actuals.missed : actuals.met;
    const target = t.targetPolicyKey ? Number(ctx.policy.decimal(t.targetPolicyKey)) : t.targetValue;
    await insertRecord(ctx.store, 'Pilot_Criterion__c', {
      Name: t.metric.slice(0, 80),
      Scorecard__c: scorecardId,
      Template_Key__c: t.key,
      Metric__c: t.metric,
      Unit__c: t.unit,
      Target_Value__c: plan.noTarget?.includes(t.key) ? null : target,
      Target_Direction__c: t.targetDirection,
      Weight__c: t.weight,
      Sort_Order__c: t.sortOrder,
      Due_Date__c: plan.noDue?.includes(t.key) || t.dueDays === null ? null : addDays(start, t.dueDays),
      Owner__c: plan.noOwner?.includes(t.key) ? null : userIds[owners[i % owners.length]!]!,
      Actual_Value__c: actual,
      Status__c: actual === null ? 'Not Started' : missed ? 'At Risk' : 'Met'
    });
  }
  await refreshScorecard(ctx, scorecardId);
}

/**
 * Expansion outcomes per account (index -> dates): for the champions, some fires get an outcome inside their
 * closed window (true positives) and some none (false positives); two risers have an open expansion deal (to
 * link on accept); one near-miss account expanded without a signal.
 */
function planOutcomes(
  plans: Map<number, WeekPlan[]>,
  policy: Policy,
  asOfMs: number
): Map<number, { date: string; open: boolean }[]> {
  const thresholds = thresholdsFromPolicy(policy);
  const windowDays = policy.integer('Expansion_Outcome_Window_Days');
  const out = new Map<number, { date: string; open: boolean }[]>();
  const add = (i: number, date: string, open = false) => out.set(i, [...(out.get(i) ?? []), { date, open }]);
  // which labelled fires of the n-th champion are true positives
  const truePositive = [
    [true, true],
    [true, false],
    [false, true],
    [true, true],
    [true, false],
    [false, false]
  ];
  let champion = 0;
  let riser = 0;
  let unsignalled = false;
  for (const [i, a] of SAMPLE_ACCOUNTS.entries()) {
    const weeks = (plans.get(i) ?? []).map((p) => ({
      weekIndex: p.weekIndex,
      ticketsTotal: p.total,
      aiResolved: p.ai
    }));
    if (a.profile === 'champion') {
      const fires = evaluateAccount(weeks, thresholds, asOfMs)
        .map((f) => outcomeWindow(f.isoWeek, windowDays)!)
        .filter((w) => w.endMs <= asOfMs);
      const wanted = truePositive[champion++ % truePositive.length]!;
      const falseWindows = fires.filter((_, j) => !wanted[j]);
      fires.forEach((w, j) => {
        if (!wanted[j]) return;
        // a day inside this window and outside every window meant to stay a false positive
        for (let day = 12 + 5 * champion; day < windowDays * 2; day++) {
          const ms = w.startMs + (day % windowDays) * DAY_MS;
          if (falseWindows.some((f) => ms >= f.startMs && ms < f.endMs)) continue;
          add(i, new Date(ms).toISOString().slice(0, 10));
          break;
        }
      });
    } else if (a.profile === 'riser' && riser++ < 2) {
      add(i, new Date(asOfMs - (10 + riser) * DAY_MS).toISOString().slice(0, 10), true);
    } else if (a.profile === 'nearShare' && !unsignalled) {
      unsignalled = true;
      add(i, new Date(asOfMs - 120 * DAY_MS).toISOString().slice(0, 10));
    }
  }
  return out;
}

/**
 * Builds the sample world into `storeFile` (deleted and made anew) and writes the ticket export and the outcomes
 * file next to it. Deterministic: the same `today` gives the same records, ids and file bytes.
 */
export async function buildSampleWorld(storeFile: string, options: { today?: string } = {}): Promise<SampleWorld> {
  const today = options.today ?? DEFAULT_TODAY;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new Error(`today must be a YYYY-MM-DD date, not ${today}`);
  const policy = loadPolicyFile();
  const asOf = `${today}T00:00:00Z`;
  const asOfMs = Date.parse(asOf);
  const currentWeek = weekIndexOf(asOfMs);
  const firstWeek = currentWeek - EXPORT_WEEKS;
  const partialFactor = (asOfMs - weekStartMs(currentWeek)) / WEEK_MS;
  const rules = usageRules(policy);

  // usage: one PRNG stream per account, so editing one account's profile leaves the others' tickets alone
  const plans = new Map<number, WeekPlan[]>();
  const ordinals = new Map<UsageProfile, number>();
  for (const [i, a] of SAMPLE_ACCOUNTS.entries()) {
    const ordinal = ordinals.get(a.profile) ?? 0;
    ordinals.set(a.profile, ordinal + 1);
    plans.set(i, planWeeks(a.profile, ordinal, rules, firstWeek, partialFactor, prng(SEED + i)));
  }

  const dir = path.dirname(path.resolve(storeFile));
  fs.mkdirSync(dir, { recursive: true });
  const ticketExport = path.join(dir, TICKET_FILE);
  const outcomesFile = path.join(dir, OUTCOMES_FILE);

  const rows: [number, string][] = [];
  for (const [i, a] of SAMPLE_ACCOUNTS.entries()) {
    const rnd = prng(SEED * 31 + i);
    for (const p of plans.get(i)!) rows.push(...ticketRows(usageKeyOf(a.name), p, asOfMs, rnd));
  }
  rows.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  const lines = rows.map(([, r], n) => `TKT-${String(n + 1).padStart(7, '0')},${r}`);
  fs.writeFileSync(
    ticketExport,
    `ticket_id,account_id,created_at,resolved_at,resolution,channel\n${lines.join('\n')}\n`
  );

  const outcomes = planOutcomes(plans, policy, asOfMs);
  const outcomeLines = [...outcomes]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([i, list]) => list.map((o) => `${usageKeyOf(SAMPLE_ACCOUNTS[i]!.name)},${o.date}`));
  fs.writeFileSync(outcomesFile, `account_id,outcome_date\n${outcomeLines.join('\n')}\n`);
  const eventsFile = writeSampleEvents(
    dir,
    SAMPLE_ACCOUNTS.map((a) => ({ key: usageKeyOf(a.name), segment: a.segment, profile: a.profile })),
    asOfMs
  );

  for (const f of [storeFile, `${storeFile}.wal`]) fs.rmSync(f, { force: true });
  const store = await LocalStore.open(storeFile, loadSchema());
  try {
    const ctx: ControllerContext = { store, policy, today };
    const template = loadCriterionTemplate();
    await inTransaction(store, () => writeCrm(ctx, template, outcomes));
    await seedSampleSource(store, policy, asOfMs);
    // exp-001: a pool, PQA signals in both arms, SLA clocks and outcomes (gtm routing readout exp-001 --as-of 2026-04-06)
    await writeRoutingSample(store, policy, today);
    // exp-008: onboarding plans in every state (activation comes from the export: syncWorld.ts)
    await writeOnboardingSample(store, policy, today);
    // program cockpit: the CRM history of the program's weeks and the weeks before (dated from Program_Start_Date),
    // its weekly snapshots and the readouts at each month end and day 90 (gtm readout build --as-of 2026-05-30)
    await writeProgramSample(store, policy);
    await store.db.run('CHECKPOINT');
  } finally {
    await store.close();
  }
  return { ticketExport, outcomesFile, eventsFile, asOf, today };
}

/** The ISO weeks the export covers (complete ones), for messages: e.g. 2026-05-25 .. 2026-11-16. */
export function exportWeeks(today: string = DEFAULT_TODAY): { first: string; last: string } {
  const current = weekIndexOf(Date.parse(`${today}T00:00:00Z`));
  return { first: weekStartDate(current - EXPORT_WEEKS), last: weekStartDate(current - 1) };
}
