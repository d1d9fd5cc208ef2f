/**
 * The owner lookup's stand-in (GtmPilotScorecardController.searchOwners over the sample world, issue 13 item 7): a
 * type-ahead over users, case-insensitive, at most 20, nothing for fewer than 2 letters, LIKE wildcards literal.
 */
import { queryRows } from '../controllers/storeAccess';
import { OWNER_SEARCH_LIMIT } from '../controllers/ownerSearch';
import { closeSampleWorld, contractCall, openSampleWorld, type OpenWorld } from './standInWorld';

jest.setTimeout(120_000);

let open: OpenWorld;

beforeAll(async () => {
  open = await openSampleWorld('gtm-owner-search-');
});

afterAll(() => closeSampleWorld(open));

const search = (query: string) => contractCall(open.controllers, 'GtmPilotScorecardController.searchOwners', { query });

it('finds the users whose name contains the typed text, in any case, by name', async () => {
  const users = await queryRows(open.store, 'SELECT "Id", "Name" FROM "User" ORDER BY "Name"');
  const someone = users.find((u) => String(u.Name).includes(' '))!;
  const part = String(someone.Name).split(' ')[1]!.slice(0, 3);
  const found = await search(`  ${part.toUpperCase()} `);
  const expected = users.filter((u) => String(u.Name).toLowerCase().includes(part.toLowerCase()));
  expect(found.users.map((u) => u.id)).toEqual(expected.slice(0, OWNER_SEARCH_LIMIT).map((u) => String(u.Id)));
  expect(found.users.map((u) => u.id)).toContain(String(someone.Id));
});

it('searches nothing for fewer than 2 letters, and takes % and _ literally', async () => {
  expect(await search('a')).toEqual({ users: [] });
  expect(await search('  ')).toEqual({ users: [] });
  expect(await search('%%')).toEqual({ users: [] });
  expect(await search('__')).toEqual({ users: [] });
});
