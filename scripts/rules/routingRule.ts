/**
 * exp-001: who gets a PQA. Pure: the pool, its members' picks and the account's owner candidates in, one decision
 * out, with every candidate's arithmetic so the assignment record can say why. Apex twin: GtmRoutingRule; both are
 * tested against staticresources/GtmRoutingVectors.json.
 *
 * - Owner precedence first: the first precedence candidate (e.g. the account owner) that is an active user in an
 *   eligible role keeps the account, whatever the pool's counts and caps.
 * - Otherwise a pool member is eligible when active, not away (Away_Until__c after the routing time), inside the
 *   pool's business hours or allowed after hours, with a weight above 0, and under its weekly cap.
 * - Load = (picks in the trailing Routing_Window_Days - credits) / weight. A pick is a Routing_Assignment__c the rule
 *   routed to the member (counts come from the records, never a "last assignee" pointer); a credit is a pick taken
 *   away again (manual reassignment, or the 2x-SLA reassignment), so the original owner gets the turn back and a
 *   reassignment cannot skew the rotation. The weekly cap counts picks less credits since the pool week's start.
 * - The lowest load wins, compared exactly (cross-multiplied, weights to 2 decimals); ties by sort order, then user id.
 * - No eligible member: the pool's fallback queue and status Escalated, never a silent default owner.
 */
import { scaled, type RulePolicy } from './ruleSupport';

/** Fractional digits a weight is kept to (Routing_Pool_Member__c.Weight__c is Number(4, 2)). */
export const WEIGHT_SCALE = 2;
/** Fractional digits of the displayed load (HALF_UP). */
export const LOAD_SCALE = 4;

export interface PrecedenceCandidate {
  userId: string;
  /** where the candidate comes from, e.g. "Account owner" */
  source: string;
  active: boolean;
  /** the user's role is one the rule's Owner_Precedence__c allows */
  eligibleRole: boolean;
}

export interface PoolMember {
  userId: string;
  order: number;
  /** decimal text or number, at most 2 decimal places */
  weight: number | string;
  /** null: no cap */
  weeklyCap: number | null;
  active: boolean;
  /** ISO instant; away while the routing time is before it */
  awayUntil: string | null;
  afterHoursAllowed: boolean;
}

/** One Routing_Assignment__c pick of the rule. */
export interface Pick {
  userId: string;
  /** ISO instant the rule routed it */
  routedAt: string;
  /** the pick was taken away again (reassigned): the turn goes back to this user */
  credited: boolean;
}

export interface RoutingInput {
  /** ISO instant of the routing */
  routedAt: string;
  /** ISO instant the pool's current week started (Monday 00:00 in the pool's time zone) */
  weekStart: string;
  /** the routing time is inside the pool's business hours */
  withinBusinessHours: boolean;
  fallbackQueue: string;
  precedence: PrecedenceCandidate[];
  members: PoolMember[];
  picks: Pick[];
}

export interface Candidate {
  userId: string;
  order: number;
  weight: string;
  /** picks in the trailing window */
  assignments: number;
  /** credits in the trailing window */
  credits: number;
  /** (assignments - credits) / weight, HALF_UP to 4 digits; null when the weight is 0 */
  load: string | null;
  /** picks less credits since the week's start */
  weekCount: number;
  weeklyCap: number | null;
  eligible: boolean;
  /** why eligible or not */
  reason: string;
}

export type RoutingDecision = 'Precedence' | 'Pool' | 'Fallback';

export interface RoutingResult {
  decision: RoutingDecision;
  /** the chosen user; null on fallback */
  ownerId: string | null;
  /** the fallback queue; null otherwise */
  queue: string | null;
  status: 'Pending' | 'Escalated';
  reason: string;
  candidates: Candidate[];
}

const DAY_MS = 86_400_000;

export function instantMs(value: string, what: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new Error(`${what} is not an ISO instant in UTC (YYYY-MM-DDTHH:MM:SSZ): ${value}`);
  return ms;
}

/** An instant as YYYY-MM-DDTHH:MM:SSZ (Apex: formatGmt("yyyy-MM-dd'T'HH:mm:ss'Z'")). */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** numerator / (weightUnits / 10^WEIGHT_SCALE) as text with exactly LOAD_SCALE digits, HALF_UP. */
function ratioText(numerator: bigint, weightUnits: bigint): string {
  const scaledNum = numerator * 10n ** BigInt(WEIGHT_SCALE + LOAD_SCALE);
  const negative = scaledNum < 0n;
  const abs = negative ? -scaledNum : scaledNum;
  const units = (abs * 2n + weightUnits) / (2n * weightUnits);
  const text = units.toString().padStart(LOAD_SCALE + 1, '0');
  const out = `${text.slice(0, -LOAD_SCALE)}.${text.slice(-LOAD_SCALE)}`;
  return negative && units !== 0n ? `-${out}` : out;
}

/** units / 10^scale as plain text without trailing zeros: 150 at scale 2 is "1.5" (Apex stripTrailingZeros). */
function unitsText(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/0+$/, '').replace(/\.$/, '');
  return negative ? `-${text}` : text;
}

interface Scored extends Candidate {
  net: bigint;
  weightUnits: bigint;
}

function score(member: PoolMember, input: RoutingInput, windowStartMs: number, routedMs: number): Scored {
  const weekStartMs = instantMs(input.weekStart, 'weekStart');
  let assignments = 0;
  let credits = 0;
  let weekCount = 0;
  for (const p of input.picks) {
    if (p.userId !== member.userId) continue;
    const at = instantMs(p.routedAt, `pick of ${p.userId} routedAt`);
    if (at > routedMs) continue;
    if (at > windowStartMs) {
      assignments++;
      if (p.credited) credits++;
    }
    if (at >= weekStartMs && !p.credited) weekCount++;
  }
  const weightUnits = scaled(member.weight, WEIGHT_SCALE);
  const net = BigInt(assignments - credits);
  const load = weightUnits > 0n ? ratioText(net, weightUnits) : null;
  const awayMs = member.awayUntil === null ? null : instantMs(member.awayUntil, `awayUntil of ${member.userId}`);
  let reason: string;
  if (!member.active) reason = 'inactive';
  else if (awayMs !== null && awayMs > routedMs) reason = `away until ${isoSeconds(awayMs)}`;
  else if (!input.withinBusinessHours && !member.afterHoursAllowed) reason = 'outside business hours';
  else if (weightUnits <= 0n) reason = 'weight 0';
  else if (member.weeklyCap !== null && weekCount >= member.weeklyCap)
    reason = `at weekly cap (${weekCount} of ${member.weeklyCap})`;
  else reason = 'eligible';
  return {
    userId: member.userId,
    order: member.order,
    weight: unitsText(weightUnits, WEIGHT_SCALE),
    assignments,
    credits,
    load,
    weekCount,
    weeklyCap: member.weeklyCap,
    eligible: reason === 'eligible',
    reason,
    net,
    weightUnits
  };
}

/** a before b: lower load (exact), then lower order, then user id. */
function compareLoad(a: Scored, b: Scored): number {
  const left = a.net * b.weightUnits;
  const right = b.net * a.weightUnits;
  if (left !== right) return left < right ? -1 : 1;
  if (a.order !== b.order) return a.order - b.order;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

function strip({ net: _net, weightUnits: _w, ...candidate }: Scored): Candidate {
  return candidate;
}

export function routePqa(input: RoutingInput, policy: RulePolicy): RoutingResult {
  const routedMs = instantMs(input.routedAt, 'routedAt');
  const windowStartMs = routedMs - policy.integer('Routing_Window_Days') * DAY_MS;
  const scored = [...input.members]
    .sort((a, b) => a.order - b.order || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
    .map((m) => score(m, input, windowStartMs, routedMs));
  const candidates = scored.map(strip);

  const keeper = input.precedence.find((p) => p.active && p.eligibleRole);
  if (keeper)
    return {
      decision: 'Precedence',
      ownerId: keeper.userId,
      queue: null,
      status: 'Pending',
      reason: `${keeper.source} keeps the account (owner precedence)`,
      candidates
    };

  const eligible = scored.filter((c) => c.eligible).sort(compareLoad);
  const best = eligible[0];
  if (!best)
    return {
      decision: 'Fallback',
      ownerId: null,
      queue: input.fallbackQueue,
      status: 'Escalated',
      reason: `no eligible pool member: fallback queue ${input.fallbackQueue}, escalated`,
      candidates
    };
  const tied = eligible.filter((c) => c.net * best.weightUnits === best.net * c.weightUnits).length;
  return {
    decision: 'Pool',
    ownerId: best.userId,
    queue: null,
    status: 'Pending',
    reason:
      `lowest load ${best.load} = (${best.assignments} - ${best.credits}) / ${best.weight}` +
      (tied > 1 ? `, tied with ${tied - 1} other(s): first by order (${best.order})` : ''),
    candidates
  };
}

// ---------------------------------------------------------------- routing rules (GTM_Routing_Rule__mdt)

/** Owner_Precedence__c entries; Pool ends the list (the fair pick). */
export const PRECEDENCE_SOURCES = ['Account Owner', 'Named Rep', 'Pool'] as const;

/** One GTM_Routing_Rule__mdt record. */
export interface RoutingRuleRecord {
  /** DeveloperName */
  name: string;
  order: number;
  poolKey: string;
  /** empty: any segment */
  segments: string[];
  targetAccountsOnly: boolean;
  /** PRECEDENCE_SOURCES, in order */
  ownerPrecedence: string[];
  active: boolean;
}

export interface RuleAccount {
  segment: string | null;
  targetAccount: boolean;
}

/** The active rule with the lowest order (then name) whose criteria match the account; null: no rule routes it. */
export function selectRoutingRule(
  rules: RoutingRuleRecord[],
  account: RuleAccount
): { rule: string | null; reason: string } {
  const matching = rules
    .filter((r) => r.active)
    .sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .find(
      (r) =>
        (!r.targetAccountsOnly || account.targetAccount) &&
        (r.segments.length === 0 || (account.segment !== null && r.segments.includes(account.segment)))
    );
  if (!matching)
    return {
      rule: null,
      reason: `no active routing rule matches segment ${account.segment ?? '(none)'}${account.targetAccount ? ' (target account)' : ''}`
    };
  return { rule: matching.name, reason: `routing rule ${matching.name} (order ${matching.order})` };
}

/** A person a precedence entry names: the account's owner, or the rule's named rep. */
export interface PrecedencePerson {
  userId: string;
  active: boolean;
}

/**
 * The rule's owner precedence as candidates, in order, up to Pool: who keeps the account before the pool's fair pick.
 * A named source with nobody behind it (no named rep set) is left out; an entry that is not a source is refused.
 */
export function precedenceOf(
  rule: RoutingRuleRecord,
  people: { accountOwner: PrecedencePerson | null; namedRep: PrecedencePerson | null }
): PrecedenceCandidate[] {
  const out: PrecedenceCandidate[] = [];
  for (const entry of rule.ownerPrecedence) {
    if (!(PRECEDENCE_SOURCES as readonly string[]).includes(entry))
      throw new Error(
        `GTM_Routing_Rule ${rule.name}: Owner_Precedence__c entry ${JSON.stringify(entry)} is not one of ${PRECEDENCE_SOURCES.join(', ')}`
      );
    if (entry === 'Pool') break;
    const person = entry === 'Account Owner' ? people.accountOwner : people.namedRep;
    if (person)
      out.push({
        userId: person.userId,
        source: entry === 'Account Owner' ? 'Account owner' : 'Named rep',
        active: person.active,
        eligibleRole: true
      });
  }
  return out;
}

/** A comma-separated field (Owner_Precedence__c, Segments__c) as its entries ("Account Owner, Pool" -> 2). */
export function precedenceList(text: string | null): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
