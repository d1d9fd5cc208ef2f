/** `gtm onboarding` as a user runs it: a plan made once, and a wrong option value is a usage error naming the option. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { LocalStore } from '../../store/localStore';
import { runGtm } from '../../test-support/runGtm';

jest.setTimeout(120_000);

let dir: string;
let storeFile: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-onboarding-cli-'));
  storeFile = path.join(dir, 'store.duckdb');
  const store = await LocalStore.open(storeFile, loadSchema());
  await store.db.run(`INSERT INTO "Account" ("Id", "Name") VALUES ('001A', 'Aspen Dental')`);
  await store.db.run(
    `INSERT INTO "Opportunity" ("Id", "Name", "AccountId") VALUES ('006A', 'Aspen - Copilot', '001A')`
  );
  await store.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const create = (...extra: string[]) =>
  runGtm(['onboarding', 'plan', 'create', '--opportunity', '006A', '--store', storeFile, ...extra]);

it('a bad --hours, --arm or --start exits 2 naming the option; nothing is created', () => {
  const hours = create('--hours', 'Onboarding Berlin');
  expect(hours.code).toBe(2);
  expect(hours.stderr).toContain(
    'error: --hours "Onboarding Berlin" is not a business-hours schedule the local store knows (Onboarding New York'
  );
  const arm = create('--arm', 'Treatment');
  expect(arm.code).toBe(2);
  expect(arm.stderr).toContain('error: --arm "Treatment" must be Blueprint or Legacy');
  const start = create('--start', 'yesterday');
  expect(start.code).toBe(2);
  expect(start.stderr).toContain('error: --start "yesterday" is not a date or an instant');
  const readout = runGtm(['onboarding', 'readout', 'exp-001', '--store', storeFile]);
  expect(readout.code).toBe(2);
  const listed = runGtm(['onboarding', 'readout', 'exp-008', '--store', storeFile, '--json']);
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout)).toMatchObject({ observations: [] });
});

it('creates the plan once, in the named hours; the second run changes nothing', () => {
  const first = create('--start', '2026-11-09T15:00:00Z', '--hours', 'Onboarding New York', '--json');
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({
    created: true,
    plan: { key: 'onb:006A', hoursName: 'Onboarding New York', startAt: '2026-11-09T15:00:00Z' }
  });
  const again = create('--start', '2026-11-09T15:00:00Z', '--json');
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ created: false, plan: { key: 'onb:006A' } });
});
