import { createJudge } from '../judge';
import { compilePlan, loadPlan } from '../plan';
import { invited } from './eventFiles';

const MINUTE_NS = 60_000_000_000n;
const compiled = compilePlan(loadPlan());
const asOfNs = BigInt(Date.parse('2026-03-03T00:00:00Z')) * 1_000_000n;
const judge = createJudge(compiled, { asOfNs, toleranceNs: 5n * MINUTE_NS });

// before: "occurred_at is after received_at by more than the tolerance", which named neither value nor the allowance
describe('Future-Timestamp says which instants and what tolerance', () => {
  it('against received_at: both values and the policy tolerance', () => {
    const v = judge(invited({ occurred_at: '2026-04-20T10:00:00Z', received_at: '2026-04-14T10:00:00Z' }))[0]!;
    expect(v.type).toBe('Future-Timestamp');
    expect(v.message).toBe(
      'occurred_at "2026-04-20T10:00:00Z" is after received_at "2026-04-14T10:00:00Z" by more than the tolerance ' +
        'of 5 minutes (Events_Future_Tolerance_Minutes)'
    );
  });

  it('without received_at: the time of the run', () => {
    const v = judge(invited({ occurred_at: '2026-03-03T00:05:01Z', received_at: undefined }))[0]!;
    expect(v.message).toBe(
      'occurred_at "2026-03-03T00:05:01Z" is after the time of the run 2026-03-03T00:00:00.000Z by more than the ' +
        'tolerance of 5 minutes (Events_Future_Tolerance_Minutes)'
    );
  });
});
