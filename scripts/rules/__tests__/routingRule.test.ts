import { loadRoutingRules } from '../../routing/routingRules';
import {
  precedenceOf,
  PRECEDENCE_SOURCES,
  routePqa,
  selectRoutingRule,
  type PrecedencePerson,
  type RoutingInput,
  type RoutingResult,
  type RoutingRuleRecord,
  type RuleAccount
} from '../routingRule';
import { loadRoutingVectors } from '../routingVectors';
import { policyFromValues } from '../ruleSupport';
import type { RuleVector } from '../vectors';
import { loadPolicyFile } from '../../policy/policy';

const vectors = loadRoutingVectors();
const named = (cases: RuleVector[]) => cases.map((c) => [c.name, c] as const);

describe('GtmRoutingVectors.json routing', () => {
  it('covers every case the issue names, each name once', () => {
    const names = vectors.routing.map((c) => c.name);
    for (const must of ['precedence', 'weights', 'caps', 'away', 'credits', 'no eligible member', 'ties'])
      expect(names.some((n) => n.startsWith(`${must}:`))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    const decisions = new Set(vectors.routing.map((c) => (c.expected as RoutingResult).decision));
    expect([...decisions].sort()).toEqual(['Fallback', 'Pool', 'Precedence']);
  });

  it('uses only policy keys that exist in policy/gtm-policy.json', () => {
    const keys = loadPolicyFile().keys();
    for (const c of [...vectors.routing, ...vectors.slaClock, ...vectors.slaState])
      for (const k of Object.keys(c.policy)) expect(keys).toContain(k);
  });
});

describe('routing rule', () => {
  it.each(named(vectors.routing))('%s', (_name, c) => {
    expect(routePqa(c.input as RoutingInput, policyFromValues(c.policy))).toEqual(c.expected);
  });

  const base: RoutingInput = {
    routedAt: '2026-03-10T15:00:00Z',
    weekStart: '2026-03-09T00:00:00Z',
    withinBusinessHours: true,
    fallbackQueue: 'Q',
    precedence: [],
    members: [
      { userId: 'a', order: 1, weight: 1, weeklyCap: null, active: true, awayUntil: null, afterHoursAllowed: false }
    ],
    picks: []
  };
  const policy = policyFromValues({ Routing_Window_Days: '28' });

  it('names the bad instant and where it is', () => {
    expect(() => routePqa({ ...base, routedAt: '2026-03-10 15:00' }, policy)).toThrow(
      'routedAt is not an ISO instant in UTC (YYYY-MM-DDTHH:MM:SSZ): 2026-03-10 15:00'
    );
    expect(() =>
      routePqa({ ...base, picks: [{ userId: 'a', routedAt: 'yesterday', credited: false }] }, policy)
    ).toThrow('pick of a routedAt is not an ISO instant');
  });

  it('rotates evenly over a run of picks (counts, not a pointer)', () => {
    const picks: RoutingInput['picks'] = [];
    const members = ['a', 'b', 'c'].map((userId, i) => ({ ...base.members[0]!, userId, order: i + 1 }));
    for (let i = 0; i < 9; i++) {
      const routedAt = `2026-03-10T1${i}:00:00Z`;
      const r = routePqa({ ...base, routedAt, members, picks }, policy);
      picks.push({ userId: r.ownerId!, routedAt, credited: false });
    }
    expect(picks.map((p) => p.userId).join('')).toBe('abcabcabc');
  });
});

describe('routing rules (GTM_Routing_Rule__mdt)', () => {
  it.each(named(vectors.ruleSelection))('%s', (_name, c) => {
    const input = c.input as { rules: RoutingRuleRecord[]; account: RuleAccount };
    expect(selectRoutingRule(input.rules, input.account)).toEqual(c.expected);
  });

  it.each(named(vectors.precedence))('%s', (_name, c) => {
    const input = c.input as {
      rule: RoutingRuleRecord;
      people: { accountOwner: PrecedencePerson | null; namedRep: PrecedencePerson | null };
    };
    expect(precedenceOf(input.rule, input.people)).toEqual(c.expected);
  });

  it('refuses an owner precedence entry it does not know, naming the rule', () => {
    const rule: RoutingRuleRecord = {
      name: 'Bad',
      order: 1,
      poolKey: 'p',
      segments: [],
      targetAccountsOnly: false,
      ownerPrecedence: ['Account Owner', 'Territory'],
      active: true
    };
    expect(() => precedenceOf(rule, { accountOwner: null, namedRep: null })).toThrow(
      'GTM_Routing_Rule Bad: Owner_Precedence__c entry "Territory" is not one of Account Owner, Named Rep, Pool'
    );
  });

  it("force-app's rules are read as deployed and route the sample world's enterprise accounts to its pool", () => {
    const rules = loadRoutingRules();
    expect(rules.find((r) => r.name === 'Enterprise_Pqa')).toEqual({
      name: 'Enterprise_Pqa',
      order: 10,
      poolKey: 'enterprise',
      segments: ['Enterprise'],
      targetAccountsOnly: false,
      ownerPrecedence: ['Pool'],
      active: true
    });
    for (const r of rules) for (const e of r.ownerPrecedence) expect(PRECEDENCE_SOURCES).toContain(e);
    expect(selectRoutingRule(rules, { segment: 'Enterprise', targetAccount: true }).rule).toBe('Enterprise_Pqa');
  });
});
