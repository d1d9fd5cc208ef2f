/**
 * The org path of `gtm pqa sync`, `gtm scorecard snapshot` and `gtm readout build` against the Bulk API 2.0 double:
 * the same results as the local path over the same records, only what is new or changed written back by external
 * ID, nothing on a re-run or a dry run, a published readout and the org's own decisions left alone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { buildReadouts } from '../../cockpit/readoutStore';
import { snapshot } from '../../cockpit/snapshotStore';
import { LocalStore } from '../../store/localStore';
import { buildSampleWorld } from '../../workbench/sampleWorld';
import {
  AUDIT_INPUTS,
  cockpitInputs,
  pqaSyncInOrg,
  READOUT_EXTRA,
  readoutBuildInOrg,
  rolloutAuditInOrg,
  scorecardSnapshotInOrg
} from '../orgRuns';
import { loadAuditInput, rolloutAudit } from '../../cockpit/rolloutAudit';
import { seedFromStore as seedStore, startFakeOrg, type FakeOrg } from './orgDouble';

const policy = loadPolicyFile();
/** Building the sample world and a run over it on a busy machine: a limit, not an assertion. */
const SLOW = 240_000;
let org: FakeOrg | undefined;

afterEach(async () => {
  await org?.double.close();
  org = undefined;
});

const ingestCalls = (o: FakeOrg) => o.double.calls.filter((c) => c.kind.startsWith('ingest.')).length;

describe('pqaSyncInOrg', () => {
  /** The accounts of the local pqaRun test, in the org: acme, bolt and echo qualify; dune has a pilot open. */
  function seedQualification(o: FakeOrg): Map<string, string> {
    const accounts: [string, string | null, boolean, number[]][] = [
      ['acme', 'Enterprise', false, [10, 30, 40]],
      ['bolt', 'Enterprise', false, [5, 8, 26]],
      ['cove', 'SMB', false, [90, 90, 90]],
      ['dune', 'Enterprise', false, [50, 50, 50]],
      ['echo', 'Enterprise', true, [31, 31, 31]]
    ];
    const ids = new Map<string, string>();
    for (const [key, segment, target, ai] of accounts) {
      const [a] = o.double.seed('Account', [
        { Name: key.toUpperCase(), Usage_Account_Key__c: key, GTM_Segment__c: segment, GTM_Target_Account__c: target }
      ]);
      ids.set(key, a!.Id);
      o.double.seed(
        'Usage_Snapshot__c',
        ai.map((n, i) => ({
          Account__c: a!.Id,
          Snapshot_Key__c: `${key}|W${10 + i}`,
          ISO_Week__c: `2026-W${10 + i}`,
          Week_Start__c: ['2026-03-02', '2026-03-09', '2026-03-16'][i]!,
          AI_Resolved__c: String(n),
          Tickets_Total__c: String(n)
        }))
      );
    }
    o.double.seed('Account', [{ Name: 'Fern Unkeyed', GTM_Segment__c: 'Enterprise' }]);
    o.double.seed('Opportunity', [
      { Name: 'Dune pilot', AccountId: ids.get('dune')!, StageName: policy.text('Stage_Pilot') }
    ]);
    return ids;
  }

  it('writes each new signal once, on the org account, and nothing on a dry run or a re-run', async () => {
    org = await startFakeOrg();
    const ids = seedQualification(org);
    const asOf = '2026-03-23T09:00:00Z';

    const dry = await pqaSyncInOrg(org.sink, 'test-org', policy, asOf, { dryRun: true });
    expect(dry.changes[0]!.rows.map((r) => r.key).sort()).toEqual(['acme|2026-W11', 'bolt|2026-W12', 'echo|2026-W10']);
    expect(dry.written).toEqual([]);
    expect(org.double.records('PQA_Signal__c')).toEqual([]);
    expect(ingestCalls(org)).toBe(0);
    // a dry run reads only: one Bulk query job per object (create, two polls, one page)
    expect(dry.apiRequests).toBe(6 * 4);
    expect(dry.read).toMatchObject({ Account: 6, Usage_Snapshot__c: 15, Opportunity: 1, PQA_Signal__c: 0 });
    expect(dry.value.unkeyed.map((u) => u.name)).toEqual(['Fern Unkeyed']);

    const run = await pqaSyncInOrg(org.sink, 'test-org', policy, asOf);
    expect(run.failed).toEqual([]);
    expect(run.written.map((w) => [w.key, w.created]).sort()).toEqual([
      ['acme|2026-W11', true],
      ['bolt|2026-W12', true],
      ['echo|2026-W10', true]
    ]);
    const stored = new Map(org.double.records('PQA_Signal__c').map((r) => [String(r.Signal_Key__c), r]));
    const echo = stored.get('echo|2026-W10')!;
    expect(echo).toMatchObject({
      Account__c: ids.get('echo'),
      Arm__c: 'Treatment',
      Matched_Pair_Key__c: 'acme',
      Qualified_Week__c: '2026-W10',
      Source__c: 'usage-sync'
    });
    expect(Date.parse(String(echo.Qualified_At__c))).toBe(Date.parse('2026-03-09T00:00:00Z'));
    expect(stored.get('acme|2026-W11')).toMatchObject({ Account__c: ids.get('acme'), Arm__c: 'Control' });
    expect(JSON.parse(String(echo.Evidence__c))).toEqual(
      dry.value.plan.find((p) => p.accountKey === 'echo')!.qualification.evidence
    );

    org.double.clearCalls();
    const again = await pqaSyncInOrg(org.sink, 'test-org', policy, asOf);
    expect(again.changes[0]!.rows).toEqual([]);
    expect(again.written).toEqual([]);
    expect(ingestCalls(org)).toBe(0);
    expect(org.double.records('PQA_Signal__c')).toHaveLength(3);
  });

  it('reports a signal the org refuses, with its key and the reason, and writes the others', async () => {
    org = await startFakeOrg();
    seedQualification(org);
    org.double.faults.rowFailure = (row) =>
      row.Signal_Key__c === 'bolt|2026-W12' ? 'FIELD_CUSTOM_VALIDATION_EXCEPTION:refused by a rule:--' : undefined;
    const run = await pqaSyncInOrg(org.sink, 'test-org', policy, '2026-03-23T09:00:00Z');
    expect(run.failed).toEqual([
      { object: 'PQA_Signal__c', key: 'bolt|2026-W12', error: expect.stringContaining('refused by a rule') }
    ]);
    expect(
      org.double
        .records('PQA_Signal__c')
        .map((r) => r.Signal_Key__c)
        .sort()
    ).toEqual(['acme|2026-W11', 'echo|2026-W10']);
  });
});

describe('the cockpit over the org: the sample world copied into the double', () => {
  let dir: string;
  let storeFile: string;
  const AS_OF = '2026-06-15T00:00:00Z';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-orgruns-'));
    storeFile = path.join(dir, 'store.duckdb');
    await buildSampleWorld(storeFile);
  }, SLOW);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Every record of the objects the cockpit reads, seeded into the double as an org would answer them. */
  const seedFromStore = (o: FakeOrg, objects: readonly string[]) => seedStore(o, storeFile, objects);

  it(
    'gives the local readouts, writes protocols and readouts once, keeps a published readout and the org status',
    async () => {
      org = await startFakeOrg();
      const objects = cockpitInputs(READOUT_EXTRA).map((r) => r.object);
      await seedFromStore(org, objects);
      const experiments = org.double.records('GTM_Experiment__c');
      // exp-001 in the org: protocol not pushed yet, and a decision made there (status) the registry does not have
      const exp1 = experiments.find((e) => e.Experiment_Key__c === 'exp-001')!;
      org.double.seed('GTM_Experiment__c', [
        {
          ...exp1,
          Status__c: 'Hold',
          Primary_Metric_Key__c: null,
          Design__c: null,
          Protocol_Locked_At__c: null,
          Min_Sample_Per_Arm__c: null
        }
      ]);
      const store = await LocalStore.open(storeFile, loadSchema());
      let local;
      try {
        local = await buildReadouts(store, policy, AS_OF);
      } finally {
        await store.close();
      }
      // the last readout of the date is published in the org with other content: never rewritten
      const published = { Readout_Key__c: local.readouts.at(-1)!.key, Published__c: true, Content_Hash__c: 'x' };
      org.double.seed('GTM_Experiment_Readout__c', [{ ...published, Name: published.Readout_Key__c }]);
      const run = await readoutBuildInOrg(org.sink, 'test-org', policy, AS_OF);
      expect(run.failed).toEqual([]);
      // the same computation over the same records: the same readouts, byte for byte
      expect(run.value.readouts.map((r) => [r.key, r.contentHash])).toEqual(
        local.readouts.map((r) => [r.key, r.contentHash])
      );
      expect(run.value.plan.keptPublished).toEqual([published.Readout_Key__c]);

      const inOrg = new Map(org.double.records('GTM_Experiment_Readout__c').map((r) => [String(r.Readout_Key__c), r]));
      expect(inOrg.get(published.Readout_Key__c)).toMatchObject({ Content_Hash__c: 'x', Published__c: true });
      const written = local.readouts.filter((r) => r.key !== published.Readout_Key__c);
      expect(written.length).toBeGreaterThan(0);
      for (const r of written) {
        expect(inOrg.get(r.key)).toMatchObject({
          Content_Hash__c: r.contentHash,
          Recommendation__c: r.recommendation,
          Experiment__c: experiments.find((e) => e.Experiment_Key__c === r.experiment)!.Id
        });
      }
      // the locked protocol reached exp-001; its org status stayed
      const exp1Now = org.double.records('GTM_Experiment__c').find((e) => e.Experiment_Key__c === 'exp-001')!;
      expect(exp1Now).toMatchObject({ Status__c: 'Hold', Primary_Metric_Key__c: exp1.Primary_Metric_Key__c });
      expect(exp1Now.Design__c).toBe(exp1.Design__c);
      expect(Date.parse(String(exp1Now.Protocol_Locked_At__c))).toBe(Date.parse(String(exp1.Protocol_Locked_At__c)));
      expect(run.changes[0]!.rows.map((r) => [r.key, r.created, r.fields.sort()])).toEqual([
        ['exp-001', false, ['Design__c', 'Min_Sample_Per_Arm__c', 'Primary_Metric_Key__c', 'Protocol_Locked_At__c']]
      ]);
      expect(run.changes[0]!.notSent).toEqual([{ key: 'exp-001', fields: ['Status__c'] }]);

      org.double.clearCalls();
      const again = await readoutBuildInOrg(org.sink, 'test-org', policy, AS_OF);
      expect(again.changes.flatMap((c) => c.rows)).toEqual([]);
      expect(ingestCalls(org)).toBe(0);
    },
    SLOW
  );

  it(
    'judges the rollout audit the local path would and stores it as GTM_Rollout_Audit__c once',
    async () => {
      org = await startFakeOrg();
      await seedFromStore(
        org,
        AUDIT_INPUTS.map((r) => r.object)
      );
      const store = await LocalStore.open(storeFile, loadSchema());
      let local;
      try {
        local = rolloutAudit(await loadAuditInput(store, AS_OF), policy, AS_OF);
      } finally {
        await store.close();
      }
      const dry = await rolloutAuditInOrg(org.sink, 'test-org', policy, AS_OF, { dryRun: true });
      expect(dry.value).toEqual(local);
      expect(dry.written).toEqual([]);
      const run = await rolloutAuditInOrg(org.sink, 'test-org', policy, AS_OF);
      expect(run.failed).toEqual([]);
      expect(run.written.map((w) => w.key)).toEqual([`rollout-audit|${AS_OF.slice(0, 10)}`]);
      const stored = org.double.records('GTM_Rollout_Audit__c').find((r) => r.Audit_Key__c === run.written[0]!.key)!;
      expect(stored.Status__c).toBe(local.status);
      expect((JSON.parse(String(stored.Sections_Json__c)) as { key: string }[]).map((s) => s.key)).toEqual([
        'data_quality',
        'handoff_reliability',
        'support_burden'
      ]);
      const again = await rolloutAuditInOrg(org.sink, 'test-org', policy, AS_OF);
      expect(again.written).toEqual([]);
    },
    SLOW
  );

  it(
    'writes the KPI snapshots the local path would, then nothing on a re-run',
    async () => {
      org = await startFakeOrg();
      await seedFromStore(
        org,
        cockpitInputs(['GTM_KPI_Snapshot__c']).map((r) => r.object)
      );
      const store = await LocalStore.open(storeFile, loadSchema());
      let local;
      try {
        local = await snapshot(store, policy, AS_OF, { dryRun: true });
      } finally {
        await store.close();
      }
      const dry = await scorecardSnapshotInOrg(org.sink, 'test-org', policy, AS_OF, { dryRun: true });
      expect(dry.value.write).toEqual(local.write);
      expect(dry.written).toEqual([]);
      const before = org.double.records('GTM_KPI_Snapshot__c').length;
      const run = await scorecardSnapshotInOrg(org.sink, 'test-org', policy, AS_OF);
      expect(run.failed).toEqual([]);
      expect(run.written.map((w) => w.key).sort()).toEqual(local.write.map((w) => w.Snapshot_Key__c).sort());
      expect(org.double.records('GTM_KPI_Snapshot__c')).toHaveLength(before + local.write.length);
      const again = await scorecardSnapshotInOrg(org.sink, 'test-org', policy, AS_OF);
      expect(again.written).toEqual([]);
      expect(again.value.write).toEqual([]);
    },
    SLOW
  );
});
