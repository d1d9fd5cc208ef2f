import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { buildReadout } from '../readout';
import { readReadoutRows } from '../readoutStore';
import { readoutText } from '../readoutText';
import { SAMPLE_READOUT_AS_OF, writeRoutingSample } from '../sampleRouting';

const policy = loadPolicyFile();

describe('exp-001 sample routing', () => {
  let dir: string;
  let store: LocalStore;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-sample-routing-'));
    store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
    for (const [i, name] of ['Dana Whitfield', 'Priya Raman', 'Marco Ruiz'].entries())
      await store.db.run(`INSERT INTO "User" ("Id", "Name") VALUES ($id, $name)`, { id: `005S${i}`, name });
    for (let i = 0; i < 40; i++)
      await store.db.run(
        `INSERT INTO "Account" ("Id", "Name", "Usage_Account_Key__c", "GTM_Segment__c", "GTM_Target_Account__c") VALUES ($id, $name, $key, 'Enterprise', $target)`,
        {
          id: `001S${String(i).padStart(2, '0')}`,
          name: `Account ${i}`,
          key: `acct-${String(i).padStart(2, '0')}`,
          target: i < 25
        }
      );
    await writeRoutingSample(store, policy);
  }, 120_000);

  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const statuses = async () =>
    (
      await store.db.runAndReadAll(
        `SELECT "SLA_Status__c" AS s, count(*) AS n FROM "Routing_Assignment__c" WHERE "Arm__c" = 'Treatment' GROUP BY 1 ORDER BY 1`
      )
    )
      .getRowObjects()
      .map((r): [string, number] => [String(r.s), Number(r.n)]);

  it('shows the SLA states: met, breached by a late touch, and one reassigned', async () => {
    const s = new Map(await statuses());
    expect(s.get('Met')).toBeGreaterThan(15);
    expect(s.get('Breached')).toBeGreaterThan(0);
    expect(s.get('Reassigned')).toBe(1);
  });

  it('keeps the cap, the away member and the weights', async () => {
    const weekly = (
      await store.db.runAndReadAll(
        `SELECT m."Name" AS name, date_trunc('week', a."Routed_At__c") AS wk, count(*) AS n
           FROM "Routing_Assignment__c" a JOIN "Routing_Pool_Member__c" m ON m."User__c" = a."Routed_Owner__c"
          GROUP BY 1, 2`
      )
    ).getRowObjects();
    for (const w of weekly) if (w.name === 'Priya Raman') expect(Number(w.n)).toBeLessThanOrEqual(3);
    const marcoEarly = (
      await store.db.runAndReadAll(
        `SELECT count(*) AS n FROM "Routing_Assignment__c" a JOIN "Routing_Pool_Member__c" m ON m."User__c" = a."Routed_Owner__c"
          WHERE m."Name" = 'Marco Ruiz' AND a."Routed_At__c" < m."Away_Until__c"`
      )
    ).getRowObjects()[0]!.n;
    expect(Number(marcoEarly)).toBe(0);
  });

  it('reads out as Hold with what the sample can detect', async () => {
    const readout = buildReadout(await readReadoutRows(store), policy, `${SAMPLE_READOUT_AS_OF}T00:00:00Z`);
    expect(readout.arms.map((a) => [a.accounts, a.windowsClosed, a.converted])).toEqual([
      [25, 15, 6],
      [15, 9, 3]
    ]);
    expect(readout.matchedNotRandomized).toBe(true);
    expect(readout.reliability).toMatchObject({ signals: 25, ok: 24 });
    expect(readout.recommendation.decision).toBe('Hold');
    expect(readoutText(readout)).toMatch(/at 9 per arm this sample can detect >= \+\d+%/);
  });
});
