/**
 * The exp-008 readout against a published worked example: the remission times of Freireich EJ et al., Blood
 * 1963;21:699-716, as worked in Kleinbaum DG, Klein M, Survival Analysis: A Self-Learning Text, 3rd ed. 2012, ch. 2
 * (6-MP median 23, placebo median 8, log-rank chi-square 16.79) and in Venables & Ripley, MASS 4th ed. 2002,
 * section 13.1 (95% intervals 16 to NA and 4 to 12). Weeks are read as days of onboarding: the 6-MP group stands in
 * for one arm, placebo for the other; censored remissions become plans censored at churn, and the longest at as-of.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile, Policy } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { InputError } from '../../lib/errors';
import type { StoredPlan } from '../planStore';
import { buildReadout, meanTicketsInFirstDays, observe, readoutText } from '../readout';

const SIX_MP_EVENTS = [6, 6, 6, 7, 10, 13, 16, 22, 23];
const SIX_MP_CENSORED = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35];
const PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23];
const AS_OF = '2026-10-01T00:00:00Z';
const DAY = 86_400_000;
const policy = loadPolicyFile();

async function storeWith(armOfSixMp: string, armOfPlacebo: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-readout-'));
  const store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
  const asOf = Date.parse(AS_OF);
  const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  let n = 0;
  const add = async (arm: string, days: number, outcome: 'activated' | 'churned' | 'open') => {
    n++;
    // starts spread over the spring (after the program start), each followed to as-of at least `days`
    const start = asOf - (days + (outcome === 'open' ? 0 : 40 + n)) * DAY;
    await store.db.run(
      `INSERT INTO "Onboarding_Plan__c" ("Id", "Plan_Key__c", "Account__c", "Start_At__c", "Activated_At__c", "Churned_At__c", "Arm__c", "Status__c", "Blueprint__c")
       VALUES ($id, $id, $account, CAST($start AS TIMESTAMP), CAST($activated AS TIMESTAMP), CAST($churned AS TIMESTAMP), $arm, $status, 'Implementation_v1')`,
      {
        id: `onb:${n}`,
        account: `001${n}`,
        start: iso(start),
        activated: outcome === 'activated' ? iso(start + days * DAY) : null,
        churned: outcome === 'churned' ? iso(start + days * DAY) : null,
        arm,
        status: outcome === 'activated' ? 'Activated' : outcome === 'churned' ? 'Churned' : 'In Progress'
      }
    );
  };
  for (const d of SIX_MP_EVENTS) await add(armOfSixMp, d, 'activated');
  for (const [i, d] of SIX_MP_CENSORED.entries())
    await add(armOfSixMp, d, i === SIX_MP_CENSORED.length - 1 ? 'open' : 'churned');
  for (const d of PLACEBO) await add(armOfPlacebo, d, 'activated');
  return { store, dir };
}

describe('gtm onboarding readout exp-008 [Freireich 1963; Kleinbaum & Klein 2012; Venables & Ripley 2002]', () => {
  it('reproduces the published medians, intervals and log-rank, with censoring visible', async () => {
    const { store, dir } = await storeWith('Blueprint', 'Legacy');
    try {
      const r = await buildReadout(store.db, policy, 'exp-008', Date.parse(AS_OF));
      const [blueprint, legacy] = r.arms;
      expect(blueprint).toMatchObject({ plans: 21, activated: 9, censoredAtAsOf: 1, censoredAtChurn: 11 });
      expect(blueprint!.median).toEqual({ p: 0.5, time: 23, low: 16, high: null });
      expect(blueprint!.p75.time).toBeNull();
      expect(legacy!.median).toEqual({ p: 0.5, time: 8, low: 4, high: 12 });
      expect(legacy!.p75.time).toBe(12);
      expect(blueprint!.table.map((t) => Math.round(t.survival * 1e4) / 1e4)).toEqual([
        0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482
      ]);
      expect(r.logRank!.statistic).toBeCloseTo(16.79, 2);
      expect(r.logRank!.p).toBeCloseTo(4.17e-5, 6);
      // within 8 days: 6-MP 4 of the 20 whose day-8 outcome is known (censored at 6 is not), placebo 13 of 21
      expect(blueprint!.withinTarget).toMatchObject({ k: 4, n: 20 });
      expect(legacy!.withinTarget).toMatchObject({ k: 13, n: 21 });
      expect(r.scale).toMatchObject({ medianDays: 23, meetsScaleRule: false, meetsTarget: false });
      expect(r.design).toBe('concurrent arms, not randomized');
      const text = readoutText(r);
      expect(text).toContain(
        'Blueprint: 21 plans, 9 activated, censored 1 at as-of (still onboarding) and 11 at churn'
      );
      expect(text).toContain('median 23.0 [16.0, not reached] days, P75 not reached [23.0, not reached] days');
      expect(text).toContain('log-rank: chi-square 16.79, p 4.17e-5');
      expect(text).toContain('verdict: does not meet the scale rule: median 23.0 > 11.9 days');
      expect(readoutText(await buildReadout(store.db, policy, 'exp-008', Date.parse(AS_OF)))).toBe(text);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an arm with the shorter times meets the scale rule (median 8 <= 14 x 0.85) and the 8-day target, once each arm has the activations the protocol needs', async () => {
    const { store, dir } = await storeWith('Legacy', 'Blueprint');
    try {
      // the shipped policy's protocol needs more activations per arm than 21 and 9: the seed's hold
      const held = await buildReadout(store.db, policy, 'exp-008', Date.parse(AS_OF));
      expect(held.scale.minimumActivations).toBeGreaterThan(21);
      expect(held.scale).toMatchObject({ medianDays: 8, meetsScaleRule: false, meetsTarget: true });
      expect(held.scale.verdict).toBe(
        `hold: median 8.0 <= 11.9 days, but on 21 Blueprint and 9 Legacy activations, below the ${held.scale.minimumActivations} per arm the protocol needs`
      );
      // a protocol that needs fewer (alpha 0.4, power 0.5: Schoenfeld's events for the same lift) lets it scale
      const lenient = new Policy(
        {
          ...policy.entries,
          Readout_Alpha: { ...policy.entry('Readout_Alpha'), value: '0.4' },
          Readout_Power: { ...policy.entry('Readout_Power'), value: '0.5' }
        },
        policy.version,
        'test'
      );
      const r = await buildReadout(store.db, lenient, 'exp-008', Date.parse(AS_OF));
      expect(r.scale.minimumActivations).toBeLessThanOrEqual(9);
      expect(r.scaleThresholdDays).toBeCloseTo(11.9, 9);
      expect(r.scale).toMatchObject({ medianDays: 8, meetsScaleRule: true, meetsTarget: true, guardrail: 'not known' });
      expect(r.scale.relativeImprovement).toBeCloseTo(6 / 14, 12);
      expect(r.scale.verdict).toBe('meets the scale rule: median 8.0 <= 11.9 days (support burden not known)');
      // a plan that starts after as-of is not observed yet
      const early = await buildReadout(store.db, policy, 'exp-008', Date.parse(AS_OF) - 60 * DAY);
      expect(early.arms.reduce((s, a) => s + a.plans, 0)).toBeLessThan(42);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a plan whose dates cannot be a time to activation', () => {
  const plan = (over: Partial<StoredPlan>) =>
    ({
      key: 'onb:006B',
      arm: 'Blueprint',
      startAt: '2026-11-10T15:00:00Z',
      activatedAt: null,
      churnedAt: null,
      ...over
    }) as StoredPlan;
  const asOf = Date.parse('2026-12-01T00:00:00Z');

  it('activated or churned before its start is an input error naming the plan and both fields', () => {
    // before: the readout stopped with "unexpected failure: kaplan-meier: observation 0 has time -1" (exit 70)
    expect(() => observe(plan({ activatedAt: '2026-11-09T15:00:00Z' }), asOf)).toThrow(
      new InputError(
        'plan onb:006B: Activated_At__c 2026-11-09T15:00:00Z is before its Start_At__c 2026-11-10T15:00:00Z; correct one of them'
      )
    );
    expect(() => observe(plan({ churnedAt: '2026-11-01T00:00:00Z' }), asOf)).toThrow(
      'plan onb:006B: Churned_At__c 2026-11-01T00:00:00Z is before its Start_At__c 2026-11-10T15:00:00Z'
    );
  });

  it('an activation after as-of leaves the plan waiting at as-of; one before it is an event at its time', () => {
    expect(observe(plan({ activatedAt: '2026-12-05T00:00:00Z' }), asOf)).toMatchObject({
      event: false,
      censoredBy: 'as-of'
    });
    expect(observe(plan({ activatedAt: '2026-11-12T15:00:00Z' }), asOf)).toMatchObject({ time: 2, event: true });
  });
});

describe('the support-burden guardrail counts the first days from the start day', () => {
  const DAY = 86_400_000;
  const monday = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
  // weekly snapshots from the Monday of the start's week: 10 tickets that week, then 7, 7, 7, 7, 7
  const weeks = [10, 7, 7, 7, 7, 7].map((tickets, i) => ({ week: monday('2026-11-02') + i * 7 * DAY, tickets }));
  const byAccount = new Map([['001A', weeks]]);

  it("includes the start's own week (its days 0 to 6), not only the weeks after it", () => {
    // a Wednesday start: its first 14 days overlap the weeks of Nov 2, 9 and 16
    const r = meanTicketsInFirstDays([{ accountId: '001A', startAt: '2026-11-04T15:00:00Z' }], byAccount, 14);
    expect(r).toEqual({ mean: 10 + 7 + 7, known: 1 });
  });

  it('a start on the Monday itself counts the weeks from it, the week before not', () => {
    const r = meanTicketsInFirstDays([{ accountId: '001A', startAt: '2026-11-09T00:00:00Z' }], byAccount, 14);
    expect(r).toEqual({ mean: 7 + 7, known: 1 });
  });
});
