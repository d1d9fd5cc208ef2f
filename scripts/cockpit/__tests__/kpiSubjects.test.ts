/** The KPI contracts read from a real local store: joins, filters with policy values, the first outcome only. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadKpiContracts, type KpiContract } from '../kpiContracts';
import { kpiFreshness, readKpiSubjects } from '../kpiSubjects';
import { loadPolicyFile } from '../../policy/policy';
import { loadSchema } from '../../metadata/schema';
import { LocalStore } from '../../store/localStore';

const policy = loadPolicyFile();
const contracts = new Map(loadKpiContracts().map((c) => [c.key, c]));
const won = policy.text('Stage_Closed_Won');
let dir: string;
let store: LocalStore;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-kpi-'));
  store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
  const run = (sql: string) => store.db.run(sql);
  await run(`INSERT INTO "Account" ("Id", "Name") VALUES ('001A', 'Alder'), ('001B', 'Birch'), ('001C', 'Cedar')`);
  await run(`INSERT INTO "Opportunity" ("Id", "Name", "AccountId", "StageName", "CloseDate", "Type", "Pilot_Start_Date__c") VALUES
      ('006A', 'Alder', '001A', '${won}', '2026-03-05', 'New Business', '2026-02-01'),
      ('006B', 'Birch', '001B', '${won}', '2026-03-09', 'Expansion', NULL),
      ('006C', 'Cedar', '001C', 'Pilot', NULL, 'New Business', '2026-03-20')`);
  await run(`INSERT INTO "Funnel_Event__c" ("Id", "Event_Id__c", "Event_Name__c", "Account__c", "Opportunity__c", "Occurred_At__c") VALUES
      ('a09A', 'e1', 'Onboarding Activated', '001A', NULL, '2026-03-15 10:00:00'),
      ('a09B', 'e2', 'Onboarding Activated', '001A', NULL, '2026-03-12 09:00:00'),
      ('a09C', 'e3', 'Onboarding Activated', '001B', NULL, '2026-03-01 09:00:00'),
      ('a09D', 'e4', 'Production Approved', '001C', '006C', '2026-04-30 12:00:00'),
      ('a09E', 'e5', 'Logo Churned', '001A', NULL, '2026-05-01 00:00:00')`);
  await run(`INSERT INTO "Security_Packet__c" ("Id", "Packet_Key__c", "Requested_Date__c", "Completed_Date__c") VALUES
      ('a05A', 'k1', '2026-03-03', '2026-03-20'), ('a05B', 'k2', '2026-04-01', NULL)`);
});

afterAll(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('readKpiSubjects', () => {
  it('joins the outcome by the link field, takes the first on or after the cohort date', async () => {
    const subjects = await readKpiSubjects(store, contracts.get('Time_To_Activation')!, policy);
    // Cedar is not won; Birch activated before it was won, which is not an outcome of this cohort
    expect(subjects).toEqual([
      { id: '006A', start: '2026-03-05T00:00:00Z', outcome: '2026-03-12T09:00:00Z' },
      { id: '006B', start: '2026-03-09T00:00:00Z', outcome: null }
    ]);
  });

  it('applies literal and policy filters (new logos only)', async () => {
    const subjects = await readKpiSubjects(store, contracts.get('Logo_Churn_90')!, policy);
    expect(subjects).toEqual([{ id: '006A', start: '2026-03-05T00:00:00Z', outcome: '2026-05-01T00:00:00Z' }]);
  });

  it('reads an outcome on the cohort record itself', async () => {
    const subjects = await readKpiSubjects(store, contracts.get('Security_Review_Cycle')!, policy);
    expect(subjects).toEqual([
      { id: 'a05A', start: '2026-03-03T00:00:00Z', outcome: '2026-03-20T00:00:00Z' },
      { id: 'a05B', start: '2026-04-01T00:00:00Z', outcome: null }
    ]);
    expect(await kpiFreshness(store, contracts.get('Security_Review_Cycle')!, '2026-03-25')).toBe(
      '2026-03-20T00:00:00Z'
    );
  });

  it('refuses a contract naming a field the store does not have, naming contract and field', async () => {
    const bad: KpiContract = {
      ...contracts.get('Pilot_To_Production')!,
      numerator: { ...contracts.get('Pilot_To_Production')!.numerator, dateField: 'Approved_At__c' }
    };
    await expect(readKpiSubjects(store, bad, policy)).rejects.toThrow(
      'KPI contract Pilot_To_Production: numerator date field Funnel_Event__c.Approved_At__c does not exist'
    );
  });
});
