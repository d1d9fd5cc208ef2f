/**
 * The CRM history the sample world's program cockpit is measured on: the deals, security reviews, pilots and funnel
 * events of the 13 program weeks (Program_Start_Date onwards) and of the same length of time before them, which
 * pre/post readouts compare against. The rest of the sample world is dated from `today` (the panels' states); this is
 * dated from the policy's program start, so the day-90 scorecard has subjects in every KPI whatever `today` is.
 *
 * The period before the program reproduces the seed's baselines (Activation_Days_Baseline,
 * Security_Review_Days_Baseline, Pilot_Conversion_Baseline, about Logo_Churn_Baseline); the program period has the
 * effects below. Each subject's outcome is written as the product writes it: a security packet's completed date, the
 * tracking plan's Production Approved, Onboarding Activated and Logo Churned events (events/crmEvent.ts). Windows that
 * cannot have closed by day 90 stay open (pilots of the last 60 days, logos of the last 90, reviews still running).
 *
 * The KPIs find an account's activation and churn by account, so each account's won deals follow one another with
 * the previous one activated before the next closes, and a churned logo's account has no other deal here; the writer
 * checks both and refuses to write a history that would credit one deal with another's outcome.
 */
import type { Policy } from '../policy/policy';
import { crmEventRow } from '../events/crmEvent';
import { prng } from '../lib/prng';
import { addDays } from '../rules/ruleSupport';
import { zQuantile } from '../stats/distributions';
import { createLocalSink } from '../store/localSink';
import type { LocalStore } from '../store/localStore';
import type { SObjectRow } from '../usage/records';
import { insertRecord } from '../workbench/controllers/storeAccess';

const DAY_MS = 86_400_000;
const SEED = 0x9a0_2026;
const CLOSED_LOST = 'Closed Lost';
/** CRM events' Source__c (GtmFunnelEventPublisher.SOURCE) */
const CRM_SOURCE = 'salesforce';

/** The program's effects in the sample (sample data, not policy: what the world's history shows). */
export const HISTORY_EFFECTS = {
  /** program median time to activation as a share of the baseline (the blueprint, exp-008) */
  activationRatio: 0.62,
  /** program median security review as a share of the baseline */
  reviewRatio: 0.7,
  /** pilots that convert, of 15, before and in the program */
  convertedBefore: 5,
  convertedProgram: 9
};

/** Won deals per period whose close date falls in it; pilots per period. */
const WON_BEFORE = 44;
const WON_PROGRAM = 52;
const PILOTS_PER_PERIOD = 15;
/** deals won after day 90 whose reviews are still open on day 90 (censored) */
const LATE_WINS = 4;
/** accounts whose logo churned: no usage in the world, one deal each here; the last is the program's */
const CHURNED = ['crescent-retail-group', 'orbitel-mobility', 'keystone-energy', 'ember-imports'];
const REVIEW_LEAD_DAYS = 3;
const DESKS = ['Support desk', 'Billing desk', 'EMEA desk', 'Returns desk', 'Claims desk', 'Partner desk', 'Tier 2'];

interface Deal {
  /** days from Program_Start_Date */
  close: number;
  won: boolean;
  pilotStart: number | null;
  /** days from pilot start to Production Approved */
  approvedAfter: number | null;
  /** days from close to Onboarding Activated (won deals) */
  activatedAfter: number | null;
  /** days from close to Logo Churned */
  churnedAfter: number | null;
  /** days from request to completion of the deal's security review, which ends REVIEW_LEAD_DAYS before the pilot or
   * the close */
  reviewDays: number;
  account?: { id: string; key: string; name: string; owner: string | null };
}

/** n values around a median on a log scale (normal quantiles, so the median is exact), in a seeded order. */
function spread(n: number, median: number, sigma: number, rnd: () => number): number[] {
  const values = Array.from({ length: n }, (_, k) => median * Math.exp(sigma * zQuantile((k + 0.5) / n)));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values.map((v) => Math.round(v * 10) / 10);
}

/** Activation times drawn per period: this history's won deals and the world's own won deals in its weeks. */
const ACTIVATIONS = 96;

function plan(policy: Policy): { deals: Deal[]; activation: { before: number[]; program: number[] } } {
  const rnd = prng(SEED);
  const length = policy.integer('Program_Length_Days');
  const baseActivation = policy.number('Activation_Days_Baseline');
  const baseReview = policy.number('Security_Review_Days_Baseline');
  const activation = {
    before: spread(ACTIVATIONS, baseActivation, 0.25, rnd),
    program: spread(ACTIVATIONS, baseActivation * HISTORY_EFFECTS.activationRatio, 0.25, rnd)
  };
  const review = (program: boolean) =>
    program
      ? baseReview * HISTORY_EFFECTS.reviewRatio * Math.exp(0.3 * (rnd() - 0.5) * 2)
      : baseReview * Math.exp(0.3 * (rnd() - 0.5) * 2);
  const deals: Deal[] = [];
  const won = (close: number): Omit<Deal, 'reviewDays'> => ({
    close,
    won: true,
    pilotStart: null,
    approvedAfter: null,
    activatedAfter: null,
    churnedAfter: null
  });
  // pilots, every 6 days in each period; the converted ones are won 5 days after production approval
  for (const [from, converted] of [
    [-length + 1, HISTORY_EFFECTS.convertedBefore],
    [0, HISTORY_EFFECTS.convertedProgram]
  ] as const) {
    for (let k = 0; k < PILOTS_PER_PERIOD; k++) {
      const start = from + 6 * k;
      const converts =
        Math.floor(((k + 1) * converted) / PILOTS_PER_PERIOD) > Math.floor((k * converted) / PILOTS_PER_PERIOD);
      const approvedAfter = converts ? 20 + Math.floor(rnd() * 30) : null;
      deals.push({
        close: converts ? start + approvedAfter! + 5 : start + 60 + Math.floor(rnd() * 10),
        won: converts,
        pilotStart: start,
        approvedAfter,
        activatedAfter: null,
        churnedAfter: null,
        reviewDays: review(start - 25 >= 0)
      });
    }
  }
  // direct wins fill each period up to its count, evenly spaced; then the late wins after day 90
  const wonIn = (lo: number, hi: number) => deals.filter((d) => d.won && d.close >= lo && d.close < hi).length;
  for (const [lo, hi, count] of [
    [-length + 1, 0, WON_BEFORE],
    [0, length, WON_PROGRAM]
  ] as const) {
    const direct = count - wonIn(lo, hi);
    for (let k = 0; k < direct; k++) {
      const close = lo + Math.floor(((k + 0.5) * (hi - lo)) / direct);
      deals.push({ ...won(close), reviewDays: review(close - 25 >= 0) });
    }
  }
  for (let k = 0; k < LATE_WINS; k++) deals.push({ ...won(length + 12 + 9 * k), reviewDays: baseReview + 4 * k });
  deals.sort((a, b) => a.close - b.close || (a.pilotStart ?? 0) - (b.pilotStart ?? 0));
  let before = 0;
  let program = 0;
  for (const d of deals)
    if (d.won) d.activatedAfter = d.close < 0 ? activation.before[before++]! : activation.program[program++]!;
  // churned logos: three before the program (about the baseline's 8% of its 44), one in it
  const direct = (lo: number, hi: number) =>
    deals.filter((d) => d.won && d.pilotStart === null && d.close >= lo && d.close < hi);
  const pre = direct(-length + 1, 0);
  [pre[4], pre[18], pre[32], direct(0, length)[6]].forEach((d, i) => (d!.churnedAfter = 40 + 7 * i));
  return { deals, activation: { before: activation.before.slice(before), program: activation.program.slice(program) } };
}

type HistoryAccount = NonNullable<Deal['account']>;

/** Accounts with no deal won up to `until`: a later win finds none of this history's outcomes after its close. */
async function freeAccounts(store: LocalStore, wonStage: string, until: string): Promise<HistoryAccount[]> {
  const rows = (
    await store.db.runAndReadAll(
      `SELECT a."Id" AS id, a."Usage_Account_Key__c" AS key, a."Name" AS name, a."OwnerId" AS owner FROM "Account" a
        WHERE NOT EXISTS (SELECT 1 FROM "Opportunity" o WHERE o."AccountId" = a."Id" AND o."StageName" = $won
                            AND o."CloseDate" <= CAST($until AS DATE))
        ORDER BY a."Id"`,
      { won: wonStage, until }
    )
  ).getRowObjects();
  return rows.map((r) => ({
    id: String(r.id),
    key: String(r.key),
    name: String(r.name),
    owner: r.owner === null ? null : String(r.owner)
  }));
}

/** Refuses a history where a KPI that finds outcomes by account would credit one deal with another's. */
function checkAttribution(deals: Deal[]): void {
  const byAccount = new Map<string, Deal[]>();
  for (const d of deals.filter((x) => x.won))
    byAccount.set(d.account!.id, [...(byAccount.get(d.account!.id) ?? []), d]);
  for (const list of byAccount.values()) {
    list.sort((a, b) => a.close - b.close);
    if (list.some((d) => d.churnedAfter !== null) && list.length > 1)
      throw new Error(`sample program history: churned logo ${list[0]!.account!.name} has ${list.length} won deals`);
    for (let i = 1; i < list.length; i++)
      if (list[i - 1]!.close + list[i - 1]!.activatedAfter! >= list[i]!.close)
        throw new Error(
          `sample program history: ${list[i]!.account!.name} closes a deal before the previous one activated`
        );
  }
}

/**
 * The world's own won deals in the history's weeks (its customers, dated from `today`) activated too: an Onboarding
 * Activated event each at a time drawn from the period's spread, unless an onboarding plan tracks the deal (the
 * activation sync writes its event from the ticket export) or another won deal on the account closes before that
 * time (it would be credited with this activation).
 */
async function worldActivations(
  store: LocalStore,
  policy: Policy,
  times: { before: number[]; program: number[] }
): Promise<SObjectRow[]> {
  const start = policy.date('Program_Start_Date');
  const length = policy.integer('Program_Length_Days');
  const rows = (
    await store.db.runAndReadAll(
      `SELECT o."Id" AS id, CAST(o."CloseDate" AS VARCHAR) AS closed, a."Usage_Account_Key__c" AS key,
              (SELECT min(CAST(x."CloseDate" AS VARCHAR)) FROM "Opportunity" x WHERE x."AccountId" = o."AccountId"
                 AND x."StageName" = $won AND x."CloseDate" > o."CloseDate") AS next
         FROM "Opportunity" o JOIN "Account" a ON a."Id" = o."AccountId"
        WHERE o."StageName" = $won AND o."CloseDate" >= CAST($from AS DATE) AND o."CloseDate" < CAST($until AS DATE)
          AND NOT EXISTS (SELECT 1 FROM "Onboarding_Plan__c" p WHERE p."Opportunity__c" = o."Id")
          AND NOT EXISTS (SELECT 1 FROM "Funnel_Event__c" e WHERE e."Event_Id__c" = 'crm:onboarding_activated:' || o."Id")
        ORDER BY o."CloseDate", o."Id"`,
      { won: policy.text('Stage_Closed_Won'), from: addDays(start, -length + 1), until: addDays(start, length) }
    )
  ).getRowObjects();
  const events: SObjectRow[] = [];
  let before = 0;
  let program = 0;
  for (const r of rows) {
    const closed = String(r.closed);
    const days = closed < start ? times.before[before++] : times.program[program++];
    if (days === undefined)
      throw new Error('sample program history: more won deals in its weeks than activation times');
    const atMs = Date.parse(`${closed}T00:00:00Z`) + days * DAY_MS;
    if (r.next !== null && Date.parse(`${String(r.next)}T00:00:00Z`) <= atMs) continue;
    events.push(
      crmEventRow({
        name: 'Onboarding Activated',
        subject: String(r.id),
        occurredAt: new Date(atMs).toISOString().replace('.000Z', 'Z'),
        accountKey: String(r.key),
        source: CRM_SOURCE,
        properties: { activation_days: Math.floor(days) }
      })
    );
  }
  return events;
}

export async function writeProgramHistory(
  store: LocalStore,
  policy: Policy
): Promise<{ deals: number; events: number }> {
  const start = policy.date('Program_Start_Date');
  const won = policy.text('Stage_Closed_Won');
  const { deals, activation } = plan(policy);
  // the world's own deals first: the query must not see this history's deals, which get their events below
  const events = await worldActivations(store, policy, activation);
  const last = deals.reduce((m, d) => Math.max(m, d.close + (d.activatedAfter ?? 0) + (d.churnedAfter ?? 0)), 0);
  const free = await freeAccounts(store, won, addDays(start, Math.ceil(last) + 1));
  const pool = free.filter((a) => !CHURNED.includes(a.key));
  const churned = CHURNED.map((k) => {
    const a = free.find((x) => x.key === k);
    if (!a) throw new Error(`sample program history: account ${k} is missing or has a won deal already`);
    return a;
  });
  let c = 0;
  let p = 0;
  for (const d of deals) d.account = d.churnedAfter !== null ? churned[c++]! : pool[p++ % pool.length]!;
  checkAttribution(deals);

  const at = (day: number) =>
    new Date(Date.parse(`${start}T00:00:00Z`) + day * DAY_MS).toISOString().replace('.000Z', 'Z');
  const perAccount = new Map<string, number>();
  for (const [i, d] of deals.entries()) {
    const a = d.account!;
    const n = (perAccount.get(a.id) ?? 0) + 1;
    perAccount.set(a.id, n);
    const anchor = d.pilotStart ?? d.close;
    const oppId = await insertRecord(store, 'Opportunity', {
      // named after the desk first: the world's deals are found by their account's name at the start
      Name: `${DESKS[(n - 1) % DESKS.length]}${n > DESKS.length ? ` ${Math.ceil(n / DESKS.length)}` : ''} copilot (${a.name})`,
      AccountId: a.id,
      OwnerId: a.owner,
      StageName: d.won ? won : CLOSED_LOST,
      CloseDate: addDays(start, d.close),
      Amount: 24_000 + 3_000 * (i % 9),
      Type: 'New Business',
      CreatedDate: `${addDays(start, anchor - Math.ceil(d.reviewDays) - REVIEW_LEAD_DAYS - 14)} 09:00:00`,
      Pilot_Start_Date__c: d.pilotStart === null ? null : addDays(start, d.pilotStart)
    });
    const requested = anchor - Math.ceil(d.reviewDays) - REVIEW_LEAD_DAYS;
    await insertRecord(store, 'Security_Packet__c', {
      Name: `SP-H${String(i + 1).padStart(3, '0')}`,
      Packet_Key__c: `packet:history:${i + 1}`,
      Opportunity__c: oppId,
      Review_Stage__c: 'Completed',
      NDA_Signed__c: true,
      Requested_Date__c: addDays(start, requested),
      Packet_Sent_Date__c: addDays(start, requested),
      Review_Started_Date__c: addDays(start, requested + 2),
      Completed_Date__c: addDays(start, requested + Math.ceil(d.reviewDays))
    });
    if (d.approvedAfter !== null)
      events.push(
        crmEventRow({
          name: 'Production Approved',
          subject: oppId,
          occurredAt: at(d.pilotStart! + d.approvedAfter),
          accountKey: a.key,
          source: CRM_SOURCE,
          properties: { opportunity_id: oppId }
        })
      );
    if (d.activatedAfter !== null)
      events.push(
        crmEventRow({
          name: 'Onboarding Activated',
          subject: oppId,
          occurredAt: at(d.close + d.activatedAfter),
          accountKey: a.key,
          source: CRM_SOURCE,
          properties: { activation_days: Math.floor(d.activatedAfter) }
        })
      );
    if (d.churnedAfter !== null)
      events.push(
        crmEventRow({
          name: 'Logo Churned',
          subject: a.id,
          occurredAt: at(d.close + d.churnedAfter),
          accountKey: a.key,
          source: CRM_SOURCE,
          properties: { reason: 'consolidation' }
        })
      );
  }
  const failed = (await createLocalSink(store).upsert('Funnel_Event__c', 'Event_Id__c', events)).filter((r) => !r.ok);
  if (failed.length) throw new Error(`sample program history: Funnel_Event__c ${failed[0]!.key}: ${failed[0]!.error}`);
  return { deals: deals.length, events: events.length };
}
