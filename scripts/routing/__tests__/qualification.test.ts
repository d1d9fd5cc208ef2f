import { createHash } from 'node:crypto';
import { policyFromValues } from '../../rules/ruleSupport';
import {
  armBucket,
  armFor,
  matchPairs,
  qualify,
  stratumOf,
  type EarlierSignal,
  type UsageWeek
} from '../qualification';

const policy = policyFromValues({
  Exp001_Eligible_Segments: 'Enterprise',
  Pqa_Min_Ai_Resolved_Week: '25',
  Pqa_Min_Active_Agents: '3',
  Pqa_Cooldown_Days: '30',
  Exp001_Outcome_Window_Days: '21'
});
const account = { key: 'acme', segment: 'Enterprise', targetAccount: false, openPilotOpportunity: false };
const week = (isoWeek: string, weekStart: string, aiResolved: number, activeAgents: number | null = 5): UsageWeek => ({
  isoWeek,
  weekStart,
  aiResolved,
  activeAgents
});
const WEEKS = [
  week('2026-W10', '2026-03-02', 10),
  week('2026-W11', '2026-03-09', 30),
  week('2026-W12', '2026-03-16', 40),
  week('2026-W13', '2026-03-23', 50)
];

describe('PQA qualification', () => {
  it('qualifies at the first complete week meeting both thresholds, with its evidence', () => {
    const q = qualify(account, WEEKS, [], policy, '2026-04-06');
    expect(q).toEqual({
      qualifies: true,
      week: '2026-W11',
      qualifiedOn: '2026-03-16',
      evidence: [
        { metric: 'AI-resolved tickets', value: 30, threshold: 25, met: true },
        { metric: 'active agents', value: 5, threshold: 3, met: true }
      ],
      reason: '2026-W11: AI-resolved tickets 30 >= 25, active agents 5 >= 3'
    });
  });

  it('a week not yet complete does not qualify', () => {
    expect(qualify(account, WEEKS.slice(1, 2), [], policy, '2026-03-15').reason).toBe(
      'no complete week meets the thresholds'
    );
    expect(qualify(account, WEEKS.slice(1, 2), [], policy, '2026-03-16').qualifies).toBe(true);
  });

  it('too few active agents holds it back; a week without the count is judged on tickets alone', () => {
    expect(qualify(account, [week('2026-W11', '2026-03-09', 30, 2)], [], policy, '2026-04-06').qualifies).toBe(false);
    const q = qualify(account, [week('2026-W11', '2026-03-09', 30, null)], [], policy, '2026-04-06');
    expect(q.qualifies).toBe(true);
    expect(q.reason).toBe('2026-W11: AI-resolved tickets 30 >= 25, active agents not reported >= 3');
  });

  it('an account outside the segments qualifies only as a target account', () => {
    const smb = { ...account, segment: 'SMB' };
    expect(qualify(smb, WEEKS, [], policy, '2026-04-06').reason).toBe(
      'not eligible: not a target account and segment SMB is not in Exp001_Eligible_Segments'
    );
    expect(qualify({ ...smb, targetAccount: true }, WEEKS, [], policy, '2026-04-06').qualifies).toBe(true);
  });

  it('an open opportunity at pilot stage or beyond creates nothing', () => {
    expect(qualify({ ...account, openPilotOpportunity: true }, WEEKS, [], policy, '2026-04-06').reason).toBe(
      'has an open opportunity at or beyond Stage_Pilot'
    );
  });

  it('requalifying inside an open outcome window creates nothing', () => {
    const earlier: EarlierSignal[] = [
      { qualifiedWeek: '2026-W11', qualifiedOn: '2026-03-16', arm: 'Treatment', cooldownUntil: null }
    ];
    const q = qualify(account, WEEKS, earlier, policy, '2026-04-06');
    expect(q.qualifies).toBe(false);
    expect(q.reason).toBe('2026-W13 meets the thresholds inside the open outcome window of 2026-W11');
    // once the 21-day window has closed (2026-04-06) a later week qualifies again
    const later = qualify(account, [...WEEKS, week('2026-W14', '2026-03-30', 60)], earlier, policy, '2026-04-06');
    expect(later).toMatchObject({ qualifies: true, week: '2026-W14' });
  });

  it('requalifying inside a cooldown after a disqualification creates nothing', () => {
    const earlier: EarlierSignal[] = [
      { qualifiedWeek: '2026-W11', qualifiedOn: '2026-03-16', arm: 'Control', cooldownUntil: '2026-04-20' }
    ];
    const weeks = [
      ...WEEKS,
      week('2026-W14', '2026-03-30', 60),
      week('2026-W15', '2026-04-06', 60),
      week('2026-W16', '2026-04-13', 60)
    ];
    expect(qualify(account, weeks, earlier, policy, '2026-04-19').reason).toBe(
      '2026-W15 meets the thresholds inside the cooldown until 2026-04-20'
    );
    // W16 completes on the day the cooldown ends: it qualifies
    expect(qualify(account, weeks, earlier, policy, '2026-04-20').week).toBe('2026-W16');
  });
});

describe('arms', () => {
  it('hashes sha256(salt + account key) mod 100', () => {
    const digest = createHash('sha256').update('exp-001-2026acme').digest();
    expect(armBucket('exp-001-2026', 'acme')).toBe(Number(digest.readBigUInt64BE(0) % 100n));
  });

  it('splits about evenly at 50% and is sticky', () => {
    const draw = { salt: 'exp-001-2026', treatmentPct: 50 };
    const arms = Array.from({ length: 2000 }, (_, i) => armFor(`acct-${i}`, [], draw).arm);
    const treated = arms.filter((a) => a === 'Treatment').length;
    expect(treated).toBeGreaterThan(900);
    expect(treated).toBeLessThan(1100);
    expect(armFor('acct-1', [], draw)).toEqual(armFor('acct-1', [], draw));
    const kept = armFor(
      'acct-1',
      [{ qualifiedWeek: '2026-W11', qualifiedOn: '2026-03-16', arm: 'Holdout', cooldownUntil: null }],
      draw
    );
    expect(kept).toEqual({ arm: 'Holdout', reason: 'kept from 2026-W11 (never redrawn)' });
  });

  it('labels the stratum segment x score tercile', () => {
    expect(stratumOf('Enterprise', 10, [10, 20, 30])).toBe('Enterprise x low');
    expect(stratumOf('Enterprise', 30, [10, 20, 30])).toBe('Enterprise x high');
  });

  it('pairs each target with the nearest score in its segment, each partner once', () => {
    const pairs = matchPairs(
      [
        { key: 't1', segment: 'Enterprise', score: 40 },
        { key: 't2', segment: 'Enterprise', score: 41 },
        { key: 't3', segment: 'Mid-Market', score: 40 }
      ],
      [
        { key: 'c1', segment: 'Enterprise', score: 42 },
        { key: 'c2', segment: 'Enterprise', score: 39 },
        { key: 'c3', segment: 'SMB', score: 40 }
      ]
    );
    expect([...pairs]).toEqual([
      ['t1', 'c2'],
      ['t2', 'c1'],
      ['t3', null]
    ]);
  });
});
