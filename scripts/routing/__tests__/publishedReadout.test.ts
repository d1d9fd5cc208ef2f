/**
 * Published readouts (issue 17): `gtm routing readout --publish` stores the readout it computed, in the readout page's
 * contract, as one Routing_Readout__c row per experiment and as-of day; the workbench's GtmPqaReadoutController
 * stand-in shows the stored rows (the newest, or a picked as-of, with every as-of for the picker) and recomputes
 * nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { panelMethods } from '../../contracts/panelContracts';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { runGtm } from '../../test-support/runGtm';
import { ControllerError } from '../../workbench/controllerPort';
import { getReadout } from '../../workbench/controllers/pqaController';
import { queryRows } from '../../workbench/controllers/storeAccess';
import { parseStoredReadout, readoutRow, readoutView } from '../publishedReadout';
import { buildReadout, type Arm, type ReadoutRow } from '../readout';
import { readReadoutRows } from '../readoutStore';

const policy = loadPolicyFile();
const CLI_TIMEOUT = 120_000;

function arm(name: Arm, n: number, k: number): ReadoutRow[] {
  return Array.from({ length: n }, (_, i) => ({
    accountKey: `${name[0]}${String(i).padStart(4, '0')}`,
    arm: name,
    matched: false,
    qualifiedAt: '2026-03-10T15:00:00Z',
    pilotStartedAt: i < k ? '2026-03-20T10:00:00Z' : null,
    slaStatus: name === 'Treatment' ? 'Met' : null,
    workflowOk: name === 'Treatment' ? true : null,
    workflowFailure: null
  }));
}

describe('the readout row', () => {
  it('is keyed experiment|as-of day and holds the page contract as JSON', () => {
    const view = readoutView(
      buildReadout([...arm('Treatment', 25, 6), ...arm('Control', 25, 5)], policy, '2026-04-06T00:00:00Z'),
      policy
    );
    const row = readoutRow(view);
    expect(row).toMatchObject({
      Readout_Key__c: 'exp-001|2026-04-06',
      Name: 'exp-001|2026-04-06',
      Experiment_Key__c: 'exp-001',
      As_Of__c: '2026-04-06',
      Recommendation__c: 'Hold'
    });
    expect(parseStoredReadout('k', String(row.Results_Json__c))).toEqual(view);
    expect(view.reliability.minimum).toBe(Number(policy.decimal('Workflow_Reliability_Min')));
  });

  it('a stored value that is not a readout is named with the row and what is wrong', () => {
    expect(() => parseStoredReadout('exp-001|2026-04-06', '{"experiment": ')).toThrow(
      /^Routing_Readout__c exp-001\|2026-04-06: Results_Json__c is not JSON \(/
    );
    expect(() => parseStoredReadout('exp-001|2026-04-06', '{"experiment": "exp-001"}')).toThrow(
      'Routing_Readout__c exp-001|2026-04-06: Results_Json__c is not a readout (asOf: Invalid input: expected string, received undefined); publish it again with gtm routing readout --publish'
    );
  });
});

describe('gtm routing readout --publish and the page stand-in', () => {
  let dir: string;
  let storeFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-published-'));
    storeFile = path.join(dir, 'store.duckdb');
    const store = await LocalStore.open(storeFile, loadSchema());
    try {
      for (const [i, r] of [...arm('Treatment', 25, 6), ...arm('Control', 25, 5)].entries())
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
    'stores one row per as-of (a re-run replaces it); the page shows the newest or the picked one, as computed',
    async () => {
      const publish = (asOf: string) =>
        runGtm(['routing', 'readout', 'exp-001', '--as-of', asOf, '--publish', '--store', storeFile]);
      const early = publish('2026-03-20');
      expect(early.code).toBe(0);
      expect(early.stderr + early.stdout).toContain('Published exp-001|2026-03-20 for the PQA Readout page');
      expect(publish('2026-04-06').code).toBe(0);
      expect(publish('2026-04-06').code).toBe(0);

      const store = await LocalStore.open(storeFile, loadSchema());
      try {
        const stored = await queryRows(
          store,
          `SELECT "Readout_Key__c" AS key, "Recommendation__c" AS decision FROM "Routing_Readout__c" ORDER BY 1`
        );
        expect(stored).toEqual([
          { key: 'exp-001|2026-03-20', decision: 'Hold' },
          { key: 'exp-001|2026-04-06', decision: 'Hold' }
        ]);
        const ctx = { store, policy, today: '2026-06-01' };
        const rows = await readReadoutRows(store);
        const newest = await getReadout(ctx, { experimentKey: 'exp-001', asOf: null });
        expect(panelMethods['GtmPqaReadoutController.getReadout'].returns.parse(newest)).toEqual(newest);
        expect(newest.asOfs).toEqual(['2026-04-06', '2026-03-20']);
        expect(newest.readout).toEqual(readoutView(buildReadout(rows, policy, '2026-04-06T00:00:00Z'), policy));
        const picked = await getReadout(ctx, { experimentKey: 'exp-001', asOf: '2026-03-20' });
        // on Mar 20 no 21-day window had closed: the stored readout says so, whatever the store holds today
        expect(picked.readout!.asOf).toBe('2026-03-20T00:00:00Z');
        expect(picked.readout!.arms.map((a) => a.windowsClosed)).toEqual([0, 0]);
        await expect(getReadout(ctx, { experimentKey: 'exp-001', asOf: '2026-03-27' })).rejects.toThrow(
          new ControllerError('No exp-001 readout is published as of 2026-03-27; published: 2026-04-06, 2026-03-20')
        );
        await store.db.run(
          `UPDATE "Routing_Readout__c" SET "Results_Json__c" = '[]' WHERE "Readout_Key__c" = 'exp-001|2026-04-06'`
        );
        await expect(getReadout(ctx, { experimentKey: 'exp-001', asOf: null })).rejects.toThrow(
          /^Routing_Readout__c exp-001\|2026-04-06: Results_Json__c is not a readout \(/
        );
        await store.db.run(`DELETE FROM "Routing_Readout__c"`);
        expect(await getReadout(ctx, { experimentKey: 'exp-001', asOf: null })).toEqual({
          experiment: 'exp-001',
          asOfs: [],
          readout: null
        });
      } finally {
        await store.close();
      }
    },
    3 * CLI_TIMEOUT
  );
});
