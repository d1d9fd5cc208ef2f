/**
 * Edge cases of the review-cycle and streak rules that the shared vectors (GtmRuleVectors.json) do not need to carry
 * to Apex: helper arithmetic, duplicate and malformed records, the panel contracts and the program policy file.
 */
import { ReviewCycleView, StreakView, UsageWeekView } from '../../contracts/panelContracts';
import { loadPolicyFile } from '../../policy/policy';
import { judgeReviewCycle, reviewActions, type PacketDates } from '../reviewCycleRule';
import { policyFromValues } from '../ruleSupport';
import { evaluateStreak, mondayOnOrBefore, shareOf, type WeekRecord } from '../streakRule';
import { loadRuleVectors } from '../vectors';

const reviewPolicy = policyFromValues({ Security_Review_Days_Target: '17', Security_Review_Days_Baseline: '28' });
const streakPolicy = policyFromValues({
  Expansion_Share_Threshold: '0.40',
  Expansion_Min_Weekly_Tickets: '50',
  Expansion_Consecutive_Weeks: '3'
});

const week = (start: string, isoWeek: string, total: number, ai: number): WeekRecord => ({
  ISO_Week__c: isoWeek,
  Week_Start__c: start,
  Tickets_Total__c: total,
  AI_Resolved__c: ai
});

describe('review cycle rule edge cases', () => {
  it('treats blank dates like missing ones', () => {
    const result = judgeReviewCycle(
      { Requested_Date__c: '2026-03-02', Packet_Sent_Date__c: '  ', Completed_Date__c: '' },
      reviewPolicy,
      '2026-03-05'
    );
    expect(result.state).toBe('in_progress');
    expect(result.stages).toEqual([{ stage: 'Requested', startDate: '2026-03-02', endDate: null, days: 3 }]);
    expect(judgeReviewCycle({ Requested_Date__c: ' ' }, reviewPolicy, '2026-03-05').state).toBe('not_requested');
  });

  it('does not read the blocked date: only the Blocked stage blocks', () => {
    const packet: PacketDates = { Requested_Date__c: '2026-03-02', Blocked_Date__c: '2026-03-03' };
    expect(judgeReviewCycle(packet, reviewPolicy, '2026-03-05').state).toBe('in_progress');
    expect(judgeReviewCycle({ ...packet, Review_Stage__c: 'Blocked' }, reviewPolicy, '2026-03-05').state).toBe(
      'blocked'
    );
  });

  it('keeps target and baseline on a packet that is not requested', () => {
    expect(judgeReviewCycle(null, reviewPolicy, '2026-03-05')).toEqual({
      state: 'not_requested',
      days: null,
      targetDays: 17,
      baselineDays: 28,
      onTarget: null,
      byException: false,
      stages: [],
      actions: ['send']
    });
  });

  it('offers each stage only its next steps; a completed review none', () => {
    const at = (stage: string | null, completed: string | null = null) =>
      reviewActions({ Requested_Date__c: '2026-03-02', Review_Stage__c: stage, Completed_Date__c: completed });
    expect(reviewActions(null)).toEqual(['send']);
    expect(at(null)).toEqual(['send']);
    expect(at('Not Started')).toEqual(['send']);
    // "Mark packet sent" is no step forward from Packet Sent, and a backward one (resend, with a reason) later on
    expect(at('Packet Sent')).toEqual(['complete', 'block']);
    expect(at('In Review')).toEqual(['resend', 'complete', 'block']);
    expect(at('On Hold')).toEqual(['resend', 'complete', 'block']);
    expect(at('Blocked')).toEqual(['resend', 'complete']);
    expect(at('Completed', '2026-03-10')).toEqual([]);
    expect(at('Blocked', '2026-03-10')).toEqual([]);
  });

  it('flags a review completed by exception and does not measure it against the target', () => {
    const packet = {
      Requested_Date__c: '2026-03-02',
      Completed_Date__c: '2026-03-02',
      Review_Stage__c: 'Completed',
      Completion_Exception__c: true
    };
    const result = judgeReviewCycle(packet, reviewPolicy, '2026-03-05');
    expect(result).toMatchObject({ state: 'completed', days: 0, byException: true, onTarget: null });
    expect(judgeReviewCycle({ ...packet, Completion_Exception__c: false }, reviewPolicy, '2026-03-05')).toMatchObject({
      byException: false,
      onTarget: true
    });
  });

  it('never counts negative days, whatever the order of the dates', () => {
    const result = judgeReviewCycle(
      {
        Requested_Date__c: '2026-03-20',
        Packet_Sent_Date__c: '2026-03-18',
        Review_Started_Date__c: '2026-03-16',
        Review_Stage__c: 'In Review'
      },
      reviewPolicy,
      '2026-03-10'
    );
    expect(result.days).toBe(0);
    expect(result.stages.map((s) => s.days)).toEqual([0, 0, 0]);
    expect(result.stages.map((s) => s.endDate)).toEqual(['2026-03-18', '2026-03-16', null]);
  });

  it('counts across a month end and a leap day', () => {
    const result = judgeReviewCycle(
      { Requested_Date__c: '2028-02-20', Completed_Date__c: '2028-03-08' },
      reviewPolicy,
      '2028-04-01'
    );
    expect(result.days).toBe(17);
    expect(result.onTarget).toBe(true);
  });

  it('fails loudly on a missing policy value', () => {
    expect(() => judgeReviewCycle(null, policyFromValues({ Security_Review_Days_Target: '17' }), '2026-03-05')).toThrow(
      'Security_Review_Days_Baseline is missing'
    );
  });
});

describe('streak rule edge cases', () => {
  it('finds the Monday on or before a date, before and after the reference Monday', () => {
    expect(mondayOnOrBefore('2026-04-13')).toBe('2026-04-13');
    expect(mondayOnOrBefore('2026-04-12')).toBe('2026-04-06');
    expect(mondayOnOrBefore('2026-04-15')).toBe('2026-04-13');
    expect(mondayOnOrBefore('2027-01-01')).toBe('2026-12-28');
    expect(mondayOnOrBefore('1999-12-31')).toBe('1999-12-27');
    expect(mondayOnOrBefore('2000-12-31')).toBe('2000-12-25');
  });

  it('rounds the displayed share HALF_UP like Apex Decimal.divide', () => {
    expect(shareOf(1, 20000)).toBe(0.0001);
    expect(shareOf(1, 20001)).toBe(0);
    expect(shareOf(2, 3)).toBe(0.6667);
    expect(shareOf(1, 3)).toBe(0.3333);
    expect(shareOf(-1, 20000)).toBe(-0.0001);
    expect(shareOf(7, 7)).toBe(1);
    expect(shareOf(5, 0)).toBe(0);
    expect(shareOf(123456789, 987654321)).toBe(0.125);
  });

  it('runs across the turn of the year', () => {
    const result = evaluateStreak(
      [
        week('2025-12-22', '2025-W52', 100, 50),
        week('2025-12-29', '2026-W01', 100, 50),
        week('2026-01-05', '2026-W02', 100, 50)
      ],
      streakPolicy,
      '2026-01-13'
    );
    expect(result).toMatchObject({ length: 3, startWeek: '2025-W52', endWeek: '2026-W02', required: 3 });
  });

  it('ignores a record dated off the Monday grid for the streak', () => {
    const result = evaluateStreak(
      [week('2026-04-06', '2026-W15', 100, 50), week('2026-03-31', '2026-W14', 100, 50)],
      streakPolicy,
      '2026-04-15'
    );
    expect(result.weeks.map((w) => w.weekStart)).toEqual(['2026-03-31', '2026-04-06']);
    expect(result).toMatchObject({ length: 1, startWeek: '2026-W15', endWeek: '2026-W15' });
  });

  it('qualifies a week with duplicate records only when every record qualifies', () => {
    const good = week('2026-04-06', '2026-W15', 100, 50);
    const bad = week('2026-04-06', '2026-W15', 100, 10);
    expect(evaluateStreak([good, good], streakPolicy, '2026-04-15').length).toBe(1);
    expect(evaluateStreak([good, bad], streakPolicy, '2026-04-15').length).toBe(0);
    expect(evaluateStreak([bad, good], streakPolicy, '2026-04-15').length).toBe(0);
    // duplicates sort deterministically (by counts after the week), whatever the input order
    expect(evaluateStreak([good, bad], streakPolicy, '2026-04-15').weeks).toEqual(
      evaluateStreak([bad, good], streakPolicy, '2026-04-15').weeks
    );
  });

  it('leaves out records without a week start, reads missing counts as 0 and keeps the input as it was', () => {
    const input = [
      week('2026-04-06', '2026-W15', 100, 50),
      { ...week('', '2026-W14', 100, 50) },
      { ISO_Week__c: '2026-W13', Week_Start__c: '2026-03-23' } as unknown as WeekRecord
    ];
    const before = JSON.stringify(input);
    const result = evaluateStreak(input, streakPolicy, '2026-04-15');
    expect(JSON.stringify(input)).toBe(before);
    expect(result.weeks.map((w) => [w.isoWeek, w.ticketsTotal, w.aiResolved, w.share, w.qualifies])).toEqual([
      ['2026-W13', 0, 0, 0, false],
      ['2026-W15', 100, 50, 0.5, true]
    ]);
  });

  it('compares a long threshold exactly rather than through the rounded share', () => {
    const policy = policyFromValues({
      Expansion_Share_Threshold: '0.333333',
      Expansion_Min_Weekly_Tickets: '1',
      Expansion_Consecutive_Weeks: '1'
    });
    const third = evaluateStreak([week('2026-04-06', '2026-W15', 3, 1)], policy, '2026-04-15');
    expect(third.weeks[0]).toMatchObject({ share: 0.3333, qualifies: true });
    const under = evaluateStreak([week('2026-04-06', '2026-W15', 3000000, 999998)], policy, '2026-04-15');
    expect(under.weeks[0]).toMatchObject({ share: 0.3333, qualifies: false });
  });

  it('fails loudly on a malformed threshold', () => {
    const policy = policyFromValues({
      Expansion_Share_Threshold: 'forty percent',
      Expansion_Min_Weekly_Tickets: '50',
      Expansion_Consecutive_Weeks: '3'
    });
    expect(() => evaluateStreak([], policy, '2026-04-15')).toThrow('not a decimal');
  });
});

describe('review cycle and streak results', () => {
  const vectors = loadRuleVectors();

  it('fit the panel contracts (ReviewCycleView, StreakView, UsageWeekView)', () => {
    for (const c of vectors.reviewCycle) {
      const result = judgeReviewCycle((c.input as { packet: PacketDates | null }).packet, reviewPolicy, c.today);
      expect(ReviewCycleView.safeParse(result).success).toBe(true);
    }
    for (const c of vectors.streak) {
      const result = evaluateStreak((c.input as { weeks: WeekRecord[] }).weeks, streakPolicy, c.today);
      const { weeks, ...streak } = result;
      expect(StreakView.safeParse(streak).success).toBe(true);
      for (const w of weeks) expect(UsageWeekView.safeParse(w).success).toBe(true);
    }
  });

  it('read every threshold from policy/gtm-policy.json', () => {
    const policy = loadPolicyFile();
    const cycle = judgeReviewCycle({ Requested_Date__c: '2026-03-02' }, policy, '2026-03-02');
    expect(cycle.targetDays).toBe(policy.integer('Security_Review_Days_Target'));
    expect(cycle.baselineDays).toBe(policy.integer('Security_Review_Days_Baseline'));
    const streak = evaluateStreak([], policy, '2026-03-02');
    expect(streak.required).toBe(policy.integer('Expansion_Consecutive_Weeks'));
    const min = policy.integer('Expansion_Min_Weekly_Tickets');
    const atMinimum = evaluateStreak([week('2026-03-02', '2026-W10', min, min)], policy, '2026-03-09');
    expect(atMinimum.weeks[0]!.qualifies).toBe(true);
    const underMinimum = evaluateStreak([week('2026-03-02', '2026-W10', min - 1, min - 1)], policy, '2026-03-09');
    expect(underMinimum.weeks[0]!.qualifies).toBe(false);
  });
});
