import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../../lib/errors';
import { loadSchema } from '../../metadata/schema';
import { LocalStore } from '../../store/localStore';
import { loadPool } from '../pqaRun';
import { DEFAULT_POOL_HOURS, weekStartOf } from '../poolHours';

describe("the weekly cap's week is the pool's, as in GtmRoutingService.weekStartOf", () => {
  it.each([
    // a Tuesday in New York after daylight saving began (EDT, UTC-4): Monday 00:00 local is 04:00Z
    ['2026-03-10T15:00:00Z', 'America/New_York', '2026-03-09T04:00:00Z'],
    // before daylight saving (EST, UTC-5)
    ['2026-02-10T15:00:00Z', 'America/New_York', '2026-02-09T05:00:00Z'],
    // Monday 02:00Z is still Sunday evening in New York: the week before (UTC would say 2026-03-16)
    ['2026-03-16T02:00:00Z', 'America/New_York', '2026-03-09T04:00:00Z'],
    // the week of the switch: Monday 00:00 was EST although the instant is EDT
    ['2026-03-11T12:00:00Z', 'America/New_York', '2026-03-09T04:00:00Z'],
    ['2026-03-08T12:00:00Z', 'America/New_York', '2026-03-02T05:00:00Z'],
    // Tokyo is ahead: Sunday 20:00Z is Monday 05:00 there, a new week
    ['2026-03-15T20:00:00Z', 'Asia/Tokyo', '2026-03-15T15:00:00Z'],
    ['2026-03-10T15:00:00Z', 'UTC', '2026-03-09T00:00:00Z']
  ])('%s in %s: the week starts %s', (instant, zone, expected) => {
    expect(weekStartOf(instant, zone)).toBe(expected);
  });
});

describe('a pool read from the store', () => {
  let dir: string;
  let store: LocalStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-pool-hours-'));
    store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const member = (hours: string | null) =>
    store.db.run(
      `INSERT INTO "Routing_Pool_Member__c" ("Id", "Member_Key__c", "Pool_Key__c", "User__c", "Active__c", "Business_Hours_Name__c")
       VALUES ('a0E1', 'enterprise|u1', 'enterprise', 'u1', true, $hours)`,
      { hours }
    );

  it('has the business hours its members name', async () => {
    await member('PQA New York');
    expect((await loadPool(store.db, 'enterprise')).hours.timeZone).toBe('America/New_York');
  });

  it('without a name has the default hours (all day, every day)', async () => {
    await member(null);
    expect((await loadPool(store.db, 'enterprise')).hours).toBe(DEFAULT_POOL_HOURS);
  });

  it('with a name the store does not know is refused, naming the member and the field', async () => {
    await member('PQA Mars');
    const read = loadPool(store.db, 'enterprise');
    await expect(read).rejects.toBeInstanceOf(InputError);
    await expect(loadPool(store.db, 'enterprise')).rejects.toThrow(
      'Routing_Pool_Member__c enterprise|u1 of pool enterprise: Business_Hours_Name__c "PQA Mars" is not a business-hours schedule'
    );
  });
});
