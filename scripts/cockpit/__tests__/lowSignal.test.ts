/** The week-8 low-signal list: projected n at the decision date against the locked minimum, most short first. */
import { lowSignalList } from '../lowSignal';
import type { ExperimentReadout } from '../readout';

function readout(
  experiment: string,
  design: 'randomized' | 'pre_post',
  arms: [number, number][] | [number, number, number][],
  min: number,
  decisionDate: string,
  minSampleCounts: 'subjects' | 'events' = 'subjects'
) {
  return {
    experiment,
    design,
    decisionDate,
    arms: arms.map(([n, atRisk, events], i) => ({
      arm: i === 0 ? 'Treatment' : 'Control',
      label: '',
      n,
      events: events ?? 0,
      value: null,
      atRisk
    })),
    validity: { minSamplePerArm: min, minSampleCounts }
  } as unknown as ExperimentReadout;
}

describe('lowSignalList', () => {
  const asOf = '2026-04-20T00:00:00Z';
  const locked = new Map([
    ['exp-001', '2026-03-09T00:00:00Z'],
    ['exp-003', '2026-03-16T00:00:00Z'],
    ['exp-008', '2026-03-09T00:00:00Z'],
    ['exp-009', '2026-03-09T00:00:00Z']
  ]);

  it('projects n at the decision date at the accrual rate so far and ranks those that cannot reach the minimum', () => {
    const rows = lowSignalList(
      [
        // randomized: the smaller arm (30 + 12 = 42 in 42 days: 1 a day), 40 days left -> 82 < 100
        readout(
          'exp-001',
          'randomized',
          [
            [40, 10],
            [30, 12]
          ],
          100,
          '2026-05-30'
        ),
        // pre/post: the program arm only (35 in 35 days), 10 days left -> 45 < 300: furthest short
        readout(
          'exp-003',
          'pre_post',
          [
            [30, 5],
            [500, 0]
          ],
          300,
          '2026-04-30'
        ),
        // enough: 84 in 42 days, 40 days left -> 164 >= 120
        readout(
          'exp-008',
          'pre_post',
          [
            [80, 4],
            [10, 0]
          ],
          120,
          '2026-05-30'
        ),
        // decision date passed: not on the list
        readout(
          'exp-009',
          'pre_post',
          [
            [1, 0],
            [1, 0]
          ],
          120,
          '2026-04-19'
        )
      ],
      locked,
      asOf
    );
    expect(rows.map((r) => [r.experiment, r.currentN, r.projectedN, r.cannotReach, r.shortfall])).toEqual([
      ['exp-003', 35, 45, true, 255],
      ['exp-001', 42, 82, true, 18],
      ['exp-008', 84, 164, false, -44]
    ]);
  });

  it('a duration (Schoenfeld events) projects events, not subjects: censored subjects do not count towards it', () => {
    // exp-008 time to activation: 300 onboardings in 42 days, 60 of them activated; 40 days left. Subjects would
    // project 585 >= 469 ("on track"); events project 117 (60 + 60/42 x 40), far short of Schoenfeld's 469.
    const rows = lowSignalList(
      [
        readout(
          'exp-008',
          'pre_post',
          [
            [300, 240, 60],
            [500, 0, 480]
          ],
          469,
          '2026-05-30',
          'events'
        )
      ],
      locked,
      asOf
    );
    expect(rows.map((r) => [r.counts, r.currentN, r.projectedN, r.cannotReach, r.shortfall])).toEqual([
      ['events', 60, 117, true, 352]
    ]);
  });
});
