/**
 * The org mirror against the Bulk API 2.0 double (a real jsforce Connection): records come through exactly (nulls,
 * dates, datetimes in both forms the API writes, booleans, lookup Ids), result pages are followed by their locator,
 * and a query or value the mirror cannot take is named.
 */
import { InputError, OrgError } from '../../lib/errors';
import { loadSchema } from '../../metadata/schema';
import { localValue, mirrorOrg, type OrgMirror } from '../mirror';
import { startFakeOrg, type FakeOrg } from './orgDouble';

let org: FakeOrg | undefined;
let mirror: OrgMirror | undefined;

afterEach(async () => {
  await mirror?.close();
  await org?.double.close();
  mirror = undefined;
  org = undefined;
});

async function rows(m: OrgMirror, sql: string) {
  return (await m.store.db.runAndReadAll(sql)).getRowObjects();
}

describe('mirrorOrg', () => {
  it('copies the records exactly, following result pages by locator', async () => {
    org = await startFakeOrg({ queryPageSize: 2 });
    const [acme, bolt] = org.double.seed('Account', [
      { Name: 'Acme, "Inc."', Usage_Account_Key__c: 'acme', GTM_Segment__c: 'Enterprise', GTM_Target_Account__c: true },
      { Name: 'Bolt', Usage_Account_Key__c: 'bolt', GTM_Segment__c: null, GTM_Target_Account__c: false }
    ]);
    org.double.seed('Account', [{ Name: 'Cove' }, { Name: 'Dune' }, { Name: 'Echo' }]);
    org.double.seed('PQA_Signal__c', [
      {
        Signal_Key__c: 'acme|2026-W11',
        Account__c: acme!.Id,
        Qualified_At__c: '2026-03-16T09:15:30.250Z',
        Cooldown_Until__c: null,
        Score__c: '31.5',
        Arm__c: 'Treatment'
      },
      {
        Signal_Key__c: 'bolt|2026-W12',
        Account__c: bolt!.Id,
        // job info and some answers write the offset without a colon
        Qualified_At__c: '2026-03-23T11:00:00.000+0200',
        Cooldown_Until__c: '2026-04-20',
        Score__c: '0',
        Arm__c: null
      }
    ]);
    mirror = await mirrorOrg(org.sink.queryRows, 'test-org', loadSchema(), [
      { object: 'Account' },
      { object: 'PQA_Signal__c' }
    ]);
    expect(Object.fromEntries(mirror.loaded)).toEqual({ Account: 5, PQA_Signal__c: 2 });
    // 5 accounts in pages of 2: 3 pages, the later ones by locator
    const pages = org.double.calls.filter((c) => c.kind === 'query.results');
    expect(pages.length).toBe(3 + 1);
    expect(pages.filter((c) => /locator=/.test(c.search))).toHaveLength(2);

    expect(
      await rows(
        mirror,
        `SELECT "Id", "Name", "Usage_Account_Key__c" AS key, "GTM_Segment__c" AS segment, "GTM_Target_Account__c" AS target
           FROM "Account" WHERE "Usage_Account_Key__c" IS NOT NULL ORDER BY key`
      )
    ).toEqual([
      { Id: acme!.Id, Name: 'Acme, "Inc."', key: 'acme', segment: 'Enterprise', target: true },
      { Id: bolt!.Id, Name: 'Bolt', key: 'bolt', segment: null, target: false }
    ]);
    expect(
      await rows(
        mirror,
        `SELECT "Signal_Key__c" AS key, "Account__c" AS account, strftime("Qualified_At__c", '%Y-%m-%dT%H:%M:%S.%g') AS at,
                strftime("Cooldown_Until__c", '%Y-%m-%d') AS cooldown, "Score__c" AS score, "Arm__c" AS arm
           FROM "PQA_Signal__c" ORDER BY key`
      )
    ).toEqual([
      {
        key: 'acme|2026-W11',
        account: acme!.Id,
        at: '2026-03-16T09:15:30.250',
        cooldown: null,
        score: 31.5,
        arm: 'Treatment'
      },
      // +0200 is 09:00 UTC
      {
        key: 'bolt|2026-W12',
        account: bolt!.Id,
        at: '2026-03-23T09:00:00.000',
        cooldown: '2026-04-20',
        score: 0,
        arm: null
      }
    ]);
    // the lookup joins: the computation's SQL runs on the org's Ids unchanged
    expect(
      await rows(
        mirror,
        `SELECT a."Usage_Account_Key__c" AS key FROM "PQA_Signal__c" s JOIN "Account" a ON a."Id" = s."Account__c" ORDER BY 1`
      )
    ).toEqual([{ key: 'acme' }, { key: 'bolt' }]);
  });

  it('has no table for an object not asked for, so code reading one fails instead of seeing no records', async () => {
    org = await startFakeOrg();
    mirror = await mirrorOrg(org.sink.queryRows, 'test-org', loadSchema(), [{ object: 'Account' }]);
    await expect(rows(mirror, 'SELECT count(*) AS n FROM "Account"')).resolves.toEqual([{ n: 0n }]);
    await expect(rows(mirror, 'SELECT count(*) FROM "PQA_Signal__c"')).rejects.toThrow(/PQA_Signal__c/);
  });

  it('names the object and the field when the org refuses the query (a field not deployed)', async () => {
    org = await startFakeOrg({ drop: ['PQA_Signal__c.Stratum__c'] });
    const err = await mirrorOrg(org.sink.queryRows, 'test-org', loadSchema(), [{ object: 'PQA_Signal__c' }]).then(
      () => null,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(OrgError);
    expect((err as Error).message).toMatch(/cannot read PQA_Signal__c .*INVALID_FIELD.*Stratum__c/);
    expect((err as OrgError).details.join(' ')).toMatch(/gtm deploy --target-org test-org/);
  });

  it('refuses a value the local column cannot hold, naming the record and the field', async () => {
    org = await startFakeOrg();
    const [a] = org.double.seed('Account', [{ Name: 'Acme', Usage_Account_Key__c: 'acme' }]);
    org.double.seed('PQA_Signal__c', [{ Signal_Key__c: 'k', Account__c: a!.Id, Cooldown_Until__c: 'soon' }]);
    const err = await mirrorOrg(org.sink.queryRows, 'test-org', loadSchema(), [{ object: 'PQA_Signal__c' }]).then(
      () => null,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^PQA_Signal__c \w+: Cooldown_Until__c "soon" from the org is not a date/);
  });

  it('refuses an object or field the local store does not keep, before any request', async () => {
    org = await startFakeOrg();
    await expect(mirrorOrg(org.sink.queryRows, 'o', loadSchema(), [{ object: 'Lead' }])).rejects.toThrow(
      /Lead is not an object of the local store/
    );
    await expect(
      mirrorOrg(org.sink.queryRows, 'o', loadSchema(), [{ object: 'Account', fields: ['Name', 'Bogus__c'] }])
    ).rejects.toThrow(/Account.Bogus__c is not a field of the local Account table/);
    expect(org.double.calls).toHaveLength(0);
  });
});

describe('localValue', () => {
  it.each([
    ['DOUBLE', '1e3', '1000'],
    ['DOUBLE', '-0.25', '-0.25'],
    ['BOOLEAN', 'TRUE', 'true'],
    ['DATE', '2026-02-28', '2026-02-28'],
    ['TIMESTAMP', '2026-03-01T00:30:00.000-0100', '2026-03-01 01:30:00.000'],
    ['VARCHAR', ' spaced ', ' spaced '],
    ['DOUBLE', '', null]
  ])('%s %j -> %j', (type, text, expected) => {
    expect(localValue('X__c', 'a01', 'F__c', type, text)).toBe(expected);
  });

  it.each([
    ['DOUBLE', 'ten', 'a number'],
    ['BOOLEAN', 'yes', 'true or false'],
    ['DATE', '2026-02-30', 'a date'],
    ['TIMESTAMP', '2026-03-01 00:30', 'a date and time']
  ])('refuses %s %j', (type, text, what) => {
    expect(() => localValue('X__c', 'a01', 'F__c', type, text)).toThrow(
      `X__c a01: F__c "${text}" from the org is not ${what}`
    );
  });
});
