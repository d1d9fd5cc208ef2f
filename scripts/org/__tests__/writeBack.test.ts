/**
 * What goes back to the org after a run on the mirror: only changed fields of a record the org has (a field emptied
 * is cleared there), a new record whole, a lookup to a record made in the run by the parent's external ID, and the
 * fields a run may not update left as the org has them.
 */
import { loadSchema } from '../../metadata/schema';
import { mirrorOrg, type OrgMirror } from '../mirror';
import { changesOf, writeChanges } from '../writeBack';
import { startFakeOrg, type FakeOrg } from './orgDouble';

let org: FakeOrg | undefined;
let mirror: OrgMirror | undefined;

afterEach(async () => {
  await mirror?.close();
  await org?.double.close();
  mirror = undefined;
  org = undefined;
});

async function setUp(): Promise<{ o: FakeOrg; m: OrgMirror; expId: string }> {
  const o = await startFakeOrg();
  const [exp] = o.double.seed('GTM_Experiment__c', [
    { Name: 'exp-001', Experiment_Key__c: 'exp-001', Status__c: 'Hold', Design__c: 'randomized' }
  ]);
  o.double.seed('GTM_Experiment_Readout__c', [
    {
      Name: 'exp-001|2026-05-30',
      Readout_Key__c: 'exp-001|2026-05-30',
      Experiment__c: exp!.Id,
      Interval_Low__c: '0.1',
      Recommendation__c: 'Hold'
    }
  ]);
  const m = await mirrorOrg(o.sink.queryRows, 'test-org', loadSchema(), [
    { object: 'GTM_Experiment__c' },
    { object: 'GTM_Experiment_Readout__c' }
  ]);
  org = o;
  mirror = m;
  return { o, m, expId: exp!.Id };
}

describe('changesOf and writeChanges', () => {
  it('sends nothing when the run changed nothing', async () => {
    const { m } = await setUp();
    const changes = await changesOf(m, 'GTM_Experiment_Readout__c', 'Readout_Key__c');
    expect(changes.rows).toEqual([]);
  });

  it('sends only the changed fields of a record the org has, and clears a field the run emptied', async () => {
    const { o, m, expId } = await setUp();
    await m.store.db.run(
      `UPDATE "GTM_Experiment_Readout__c" SET "Interval_Low__c" = NULL, "Recommendation__c" = 'Scale'`
    );
    const changes = await changesOf(m, 'GTM_Experiment_Readout__c', 'Readout_Key__c');
    expect(changes.rows).toEqual([
      {
        key: 'exp-001|2026-05-30',
        created: false,
        fields: expect.arrayContaining(['Recommendation__c', 'Interval_Low__c']),
        row: { Readout_Key__c: 'exp-001|2026-05-30', Recommendation__c: 'Scale', Interval_Low__c: null }
      }
    ]);
    expect(changes.rows[0]!.fields).toHaveLength(2);
    const outcome = await writeChanges(o.sink, [changes]);
    expect(outcome.failed).toEqual([]);
    const [stored] = o.double.records('GTM_Experiment_Readout__c');
    expect(stored).toMatchObject({ Recommendation__c: 'Scale', Experiment__c: expId });
    expect(stored!.Interval_Low__c ?? null).toBeNull();
  });

  it('sends a record made in the run whole, its lookup to a parent made in the run by external ID', async () => {
    const { o, m } = await setUp();
    await m.store.db.run(
      `INSERT INTO "GTM_Experiment__c" ("Id", "Name", "Experiment_Key__c") VALUES ('a0FL00000000000001', 'exp-009', 'exp-009')`
    );
    await m.store.db.run(
      `INSERT INTO "GTM_Experiment_Readout__c" ("Id", "Name", "Readout_Key__c", "Experiment__c", "N_Treatment__c")
       VALUES ('a0GL00000000000002', 'exp-009|2026-05-30', 'exp-009|2026-05-30', 'a0FL00000000000001', 12)`
    );
    const experiments = await changesOf(m, 'GTM_Experiment__c', 'Experiment_Key__c');
    const readouts = await changesOf(m, 'GTM_Experiment_Readout__c', 'Readout_Key__c');
    expect(readouts.rows).toEqual([
      {
        key: 'exp-009|2026-05-30',
        created: true,
        fields: expect.arrayContaining(['Experiment__r.Experiment_Key__c', 'N_Treatment__c', 'Name']),
        row: {
          Readout_Key__c: 'exp-009|2026-05-30',
          Name: 'exp-009|2026-05-30',
          'Experiment__r.Experiment_Key__c': 'exp-009',
          N_Treatment__c: 12
        }
      }
    ]);
    const outcome = await writeChanges(o.sink, [experiments, readouts]);
    expect(outcome.failed).toEqual([]);
    const exp9 = o.double.records('GTM_Experiment__c').find((e) => e.Experiment_Key__c === 'exp-009')!;
    const readout9 = o.double
      .records('GTM_Experiment_Readout__c')
      .find((r) => r.Readout_Key__c === 'exp-009|2026-05-30')!;
    expect(readout9.Experiment__c).toBe(exp9.Id);
  });

  it('leaves a field the run may not update as the org has it, and says so', async () => {
    const { m } = await setUp();
    await m.store.db.run(`UPDATE "GTM_Experiment__c" SET "Status__c" = 'Running', "Design__c" = 'matched'`);
    const changes = await changesOf(m, 'GTM_Experiment__c', 'Experiment_Key__c', { updatable: ['Design__c'] });
    expect(changes.rows.map((r) => r.row)).toEqual([{ Experiment_Key__c: 'exp-001', Design__c: 'matched' }]);
    expect(changes.notSent).toEqual([{ key: 'exp-001', fields: ['Status__c'] }]);
  });
});
