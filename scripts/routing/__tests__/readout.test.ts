import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { runGtm } from '../../test-support/runGtm';
import { buildReadout, powerSentence, type Arm, type ReadoutRow } from '../readout';
import { accountsCsv, readoutText } from '../readoutText';

const policy = loadPolicyFile();
const AS_OF = '2026-04-06T00:00:00Z';
const QUALIFIED = '2026-03-10T15:00:00Z'; // week 2: every 21-day window closed by Apr 5
const PILOT = '2026-03-20T10:00:00Z';

/** n accounts of an arm, the first k converted; treatment rows met their SLA and ran the workflow. */
function arm(name: Arm, n: number, k: number, extra: Partial<ReadoutRow> = {}): ReadoutRow[] {
  return Array.from({ length: n }, (_, i) => ({
    accountKey: `${name[0]}${String(i).padStart(4, '0')}`,
    arm: name,
    matched: false,
    qualifiedAt: QUALIFIED,
    pilotStartedAt: i < k ? PILOT : null,
    slaStatus: name === 'Treatment' ? 'Met' : null,
    workflowOk: name === 'Treatment' ? true : null,
    workflowFailure: null,
    ...extra
  }));
}

/** The real CLI in a child process: slow on a busy machine (a limit, not an assertion). */
const CLI_TIMEOUT = 120_000;

describe('exp-001 readout', () => {
  it('25 per arm, 6 vs 5: Hold, with what the sample can detect', () => {
    const r = buildReadout([...arm('Treatment', 25, 6), ...arm('Control', 25, 5)], policy, AS_OF);
    expect(r.arms.map((a) => [a.accounts, a.windowsClosed, a.converted])).toEqual([
      [25, 25, 6],
      [25, 25, 5]
    ]);
    expect(r.comparison.probabilityBetter).toBeCloseTo(0.6284, 4);
    expect(r.comparison.lift!.estimate).toBeCloseTo(1.2, 12);
    expect(r.recommendation.decision).toBe('Hold');
    expect(r.recommendation.reasons).toContain(
      'at 25 per arm this sample can detect >= +173%; +20% needs 1415 per arm'
    );
    expect(r.power.needed.map((n) => n.nPerArm)).toEqual([2474, 1415, 188]);
    expect(r.power.sentence).toBe(
      'at 25 per arm a +20% lift cannot be told from noise: this sample can detect >= +173%; +20% needs 1415 per arm'
    );
    expect(readoutText(r)).toContain(r.power.sentence);
  });

  it('an observed lift of exactly the expand bar meets it (6/25 vs 3/15 is +20%, not 19.99...%)', () => {
    const r = buildReadout([...arm('Treatment', 25, 6), ...arm('Control', 15, 3)], policy, AS_OF);
    expect(r.recommendation.reasons.join('; ')).not.toContain('observed lift');
  });

  it('says when the expand bar can be told from noise, and when nothing can yet', () => {
    expect(powerSentence(2000, 0.17, 0.2, 1415)).toBe(
      'at 2000 per arm a +20% lift can be told from noise: this sample can detect >= +17%'
    );
    expect(powerSentence(0, null, 0.2, 1415)).toBe(
      'no closed outcome windows in both arms yet: no lift can be told from noise; +20% needs 1415 per arm'
    );
  });

  it('a large clear lift with the SLA kept: Expand with holdout', () => {
    const r = buildReadout([...arm('Treatment', 400, 120), ...arm('Control', 400, 76)], policy, AS_OF);
    expect(r.recommendation.decision).toBe('Expand with holdout');
    expect(r.recommendation.reasons).toEqual([
      'observed lift 57.9% >= 20.0%',
      'P(T > C) 1.00 >= 0.8',
      'SLA attainment 100.0% >= 80.0%',
      'keep 20% randomized as holdout'
    ]);
  });

  it('the same lift with the SLA missed holds', () => {
    const treated = arm('Treatment', 400, 120).map((row, i) => ({ ...row, slaStatus: i % 2 ? 'Met' : 'Breached' }));
    const r = buildReadout([...treated, ...arm('Control', 400, 76)], policy, AS_OF);
    expect(r.slaAttainment).toEqual({ met: 200, closed: 400, rate: 0.5 });
    expect(r.recommendation.decision).toBe('Hold');
    expect(r.recommendation.reasons).toContain('SLA attainment 50.0% < 80.0%');
  });

  it('treatment clearly worse: Re-scope', () => {
    const r = buildReadout([...arm('Treatment', 400, 40), ...arm('Control', 400, 76)], policy, AS_OF);
    expect(r.recommendation.decision).toBe('Re-scope');
  });

  it('a sample ratio far from the design split is Invalid before anything else', () => {
    const r = buildReadout([...arm('Treatment', 300, 120), ...arm('Control', 200, 20)], policy, AS_OF);
    expect(r.sampleRatio!.statistic).toBeCloseTo(20, 10);
    expect(r.recommendation.decision).toBe('Invalid');
    expect(r.recommendation.reasons[0]).toMatch(/^sample ratio mismatch: p 0\.00000774 < 0\.001$/);
  });

  it('workflow reliability under 90% is Invalid, each failure named with its week', () => {
    const treated = arm('Treatment', 20, 5).map((row, i) =>
      i < 3 ? { ...row, workflowOk: false, workflowFailure: 'no eligible member' } : row
    );
    const r = buildReadout([...treated, ...arm('Control', 20, 5)], policy, AS_OF);
    expect(r.reliability.rate).toBeCloseTo(0.85, 12);
    expect(r.reliability.failures[0]).toEqual({ accountKey: 'T0000', week: '2026-W11', reason: 'no eligible member' });
    expect(r.recommendation).toEqual({
      decision: 'Invalid',
      reasons: ['workflow reliability 85.0% < 90.0%: fix the workflow']
    });
  });

  it('counts only closed windows, pilots inside them, and accounts qualified by the as-of', () => {
    const rows = [
      ...arm('Treatment', 4, 4),
      // window still open at the as-of: counted as an account, not as an outcome
      {
        ...arm('Treatment', 1, 1)[0]!,
        accountKey: 'T-open',
        qualifiedAt: '2026-03-30T10:00:00Z',
        pilotStartedAt: '2026-04-01T10:00:00Z'
      },
      // pilot after the window closed: not converted
      { ...arm('Control', 1, 1)[0]!, accountKey: 'C-late', pilotStartedAt: '2026-04-01T16:00:00Z' },
      // qualified after the as-of: not in the readout at all
      { ...arm('Control', 1, 1)[0]!, accountKey: 'C-future', qualifiedAt: '2026-04-07T10:00:00Z' },
      ...arm('Control', 3, 1)
    ];
    const r = buildReadout(rows, policy, AS_OF);
    expect(r.arms.map((a) => [a.accounts, a.windowsClosed, a.converted])).toEqual([
      [5, 4, 4],
      [4, 4, 1]
    ]);
    const csv = accountsCsv(rows, r).split('\n');
    expect(csv).toContain(
      'C-late,Control,false,2026-03-10T15:00:00Z,2026-03-31T15:00:00Z,true,2026-04-01T16:00:00Z,Not converted,,'
    );
    expect(csv.some((l) => l.startsWith('C-future'))).toBe(false);
    expect(csv.find((l) => l.startsWith('T-open'))).toContain(',false,2026-04-01T10:00:00Z,Open,Met,OK');
  });

  it('matched pairs are labelled and left out of the sample-ratio check', () => {
    const matched = arm('Control', 25, 5, { matched: true }).map((row) => ({
      ...row,
      accountKey: `M${row.accountKey}`
    }));
    const r = buildReadout([...arm('Treatment', 25, 6, { matched: true }), ...matched], policy, AS_OF);
    expect(r.matchedNotRandomized).toBe(true);
    expect(r.sampleRatio).toBeNull();
    expect(readoutText(r)).toContain('matched, not randomized');
  });

  it('with nothing closed yet it holds and says nothing can be detected', () => {
    const r = buildReadout(arm('Treatment', 3, 0), policy, '2026-03-12T00:00:00Z');
    expect(r.recommendation).toEqual({
      decision: 'Hold',
      reasons: ['directional but sample below threshold', 'no closed windows in both arms yet: nothing can be detected']
    });
  });

  it('the same rows in any order print the same bytes', () => {
    const rows = [...arm('Treatment', 25, 6), ...arm('Control', 25, 5)];
    const a = readoutText(buildReadout(rows, policy, AS_OF));
    const b = readoutText(buildReadout([...rows].reverse(), policy, AS_OF));
    expect(b).toBe(a);
    expect(a).toContain('recommendation: Hold');
  });

  it('names an unknown arm', () => {
    expect(() => buildReadout(arm('Pilot' as Arm, 1, 0), policy, AS_OF)).toThrow(
      'P0000: arm Pilot is not one of Treatment, Control, Holdout'
    );
  });
});

describe('gtm routing readout', () => {
  let dir: string;
  let storeFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-readout-'));
    storeFile = path.join(dir, 'store.duckdb');
    const store = await LocalStore.open(storeFile, loadSchema());
    try {
      const rows = [...arm('Treatment', 25, 6), ...arm('Control', 25, 5)];
      for (const [i, r] of rows.entries())
        await store.db.run(
          `INSERT INTO "Routing_Assignment__c" ("Id", "Assignment_Key__c", "Arm__c", "Matched__c", "Qualified_At__c", "Pilot_Started_At__c", "SLA_Status__c", "Workflow_Result__c")
           VALUES ($id, $key, $arm, false, CAST($q AS TIMESTAMP), CAST($p AS TIMESTAMP), $sla, $wf)`,
          {
            id: `a0D${i}`,
            key: r.accountKey,
            arm: r.arm,
            q: r.qualifiedAt.replace('T', ' ').replace('Z', ''),
            p: r.pilotStartedAt === null ? null : r.pilotStartedAt.replace('T', ' ').replace('Z', ''),
            sla: r.slaStatus,
            wf: r.workflowOk === null ? null : 'OK'
          }
        );
    } finally {
      await store.close();
    }
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(
    'prints byte-identical output for the same --as-of, and exports accounts.csv',
    () => {
      const first = runGtm(['routing', 'readout', 'exp-001', '--as-of', '2026-04-06', '--store', storeFile]);
      const second = runGtm([
        'routing',
        'readout',
        'exp-001',
        '--as-of',
        '2026-04-06',
        '--store',
        storeFile,
        '--export',
        path.join(dir, 'out')
      ]);
      expect(first.code).toBe(0);
      expect(second.stdout).toBe(first.stdout);
      expect(first.stdout).toContain('at 25 per arm this sample can detect >= +173%');
      const csv = fs
        .readFileSync(path.join(dir, 'out', 'accounts.csv'), 'utf8')
        .trim()
        .split('\n');
      expect(csv).toHaveLength(51);
    },
    CLI_TIMEOUT
  );

  it(
    'an unknown experiment or a bad --as-of is a usage error (exit 2)',
    () => {
      const unknown = runGtm(['routing', 'readout', 'exp-009', '--store', storeFile]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('experiment "exp-009" has no readout; known: exp-001');
      expect(runGtm(['routing', 'readout', 'exp-001', '--as-of', 'soon', '--store', storeFile]).code).toBe(2);
    },
    CLI_TIMEOUT
  );

  it(
    'a record it cannot place is an input error (exit 1) naming the record and the field',
    async () => {
      const broken = path.join(dir, 'broken.duckdb');
      fs.copyFileSync(storeFile, broken);
      const store = await LocalStore.open(broken, loadSchema());
      try {
        await store.db.run(`UPDATE "Routing_Assignment__c" SET "Qualified_At__c" = NULL WHERE "Id" = 'a0D3'`);
      } finally {
        await store.close();
      }
      const r = runGtm(['routing', 'readout', 'exp-001', '--as-of', '2026-04-06', '--store', broken]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error: Routing_Assignment__c \S+: Qualified_At__c is empty/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
    CLI_TIMEOUT
  );
});
