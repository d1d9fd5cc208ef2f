/**
 * KPI snapshots: idempotent, published ones immutable (a later correction is a restatement row that names what it
 * replaces), and what changed between two snapshots split into new entrants, windows closed, restatements and
 * reclassified records with their ids. Against a real local store.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { whatChanged } from '../snapshot';
import { loadSnapshots, snapshot } from '../snapshotStore';
import { loadPolicyFile } from '../../policy/policy';
import { loadSchema } from '../../metadata/schema';
import { LocalStore } from '../../store/localStore';

const policy = loadPolicyFile();
let dir: string;
let store: LocalStore;

/** Routing assignments (the pilot start rate's cohort): key, qualified date, pilot start or null. */
async function assignments(rows: [string, string, string | null][]) {
  for (const [key, qualified, started] of rows)
    await store.db.run(
      `INSERT INTO "Account" ("Id", "Name") VALUES ('acc-${key}', '${key}');
       INSERT INTO "Routing_Assignment__c" ("Id", "Assignment_Key__c", "Account__c", "Arm__c", "Qualified_At__c", "Pilot_Started_At__c")
       VALUES ('${key}', '${key}', 'acc-${key}', 'Treatment', '${qualified} 10:00:00', ${started ? `'${started} 10:00:00'` : 'NULL'})`
    );
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-snapshot-'));
  store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
  // window 21 days (Exp001_Outcome_Window_Days): as of 2026-04-20 a, b, c are closed, d is open
  await assignments([
    ['a', '2026-03-03', '2026-03-10'],
    ['b', '2026-03-04', null],
    ['c', '2026-03-20', null],
    ['d', '2026-04-10', null]
  ]);
});

afterAll(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rate = async (key: string) => (await loadSnapshots(store)).get(key)!;

describe('gtm scorecard snapshot', () => {
  it('writes each KPI once; the same numbers again are unchanged', async () => {
    const first = await snapshot(store, policy, '2026-04-20T00:00:00Z');
    expect(first.write.map((r) => r.Snapshot_Key__c)).toContain('Pilot_Start_Rate|2026-04-20');
    const row = await rate('Pilot_Start_Rate|2026-04-20');
    expect([row.Value__c, row.N__c, row.At_Risk__c]).toEqual([0.333333, 3, 1]);
    const again = await snapshot(store, policy, '2026-04-20T00:00:00Z');
    expect(again.write).toEqual([]);
    expect(again.unchanged).toHaveLength(5);
  });

  it('a published snapshot is not changed: a backdated record becomes a restatement naming what moved', async () => {
    await snapshot(store, policy, '2026-04-20T00:00:00Z', { publish: true });
    expect((await rate('Pilot_Start_Rate|2026-04-20')).Published__c).toBe(true);
    // b's pilot start arrives late, dated inside its window
    await store.db.run(
      `UPDATE "Routing_Assignment__c" SET "Pilot_Started_At__c" = '2026-03-15 09:00:00' WHERE "Id" = 'b'`
    );
    const plan = await snapshot(store, policy, '2026-04-20T00:00:00Z');
    expect(plan.restated).toEqual(['Pilot_Start_Rate|2026-04-20|restated-1']);
    const published = await rate('Pilot_Start_Rate|2026-04-20');
    expect([published.Value__c, published.Published__c]).toEqual([0.333333, true]);
    const restated = await rate('Pilot_Start_Rate|2026-04-20|restated-1');
    expect(restated.Value__c).toBe(0.666667);
    expect(restated.Restated_From__c).toBe(
      'restated from 0.333333 (n 3) to 0.666667 (n 3), published Pilot_Start_Rate|2026-04-20; outcome changed: b'
    );
    // idempotent from there on
    expect((await snapshot(store, policy, '2026-04-20T00:00:00Z')).write).toEqual([]);
  });

  it('what changed between two snapshots, with record ids', async () => {
    await assignments([['e', '2026-05-01', null]]);
    await store.db.run(`DELETE FROM "Routing_Assignment__c" WHERE "Id" = 'c'`);
    await snapshot(store, policy, '2026-05-04T00:00:00Z');
    const stored = await loadSnapshots(store);
    const change = whatChanged(
      stored.get('Pilot_Start_Rate|2026-04-20|restated-1')!,
      stored.get('Pilot_Start_Rate|2026-05-04')!
    );
    expect(change).toMatchObject({
      newEntrants: ['e'],
      windowsClosed: ['d'],
      restatements: [],
      reclassified: ['c'],
      definitionChanged: false
    });
  });
});
