/**
 * The first sync into a fresh local store, as a new user runs it: the store has no accounts yet, so every
 * snapshot fails. The run must say so honestly (no "N rows upserted" above N failures) and say what to do.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { upsertedLine } from '../../store/localSink';

jest.setTimeout(120_000);

const EXPORT = [
  'ticket_id,account_id,created_at,resolved_at,resolution',
  ...Array.from({ length: 12 }, (_, i) => `T${i},ACC${i % 2},2026-10-0${1 + (i % 5)}T10:00:00Z,,unresolved`)
].join('\n');

describe('first sync into a fresh store', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-first-'));
    fs.writeFileSync(path.join(dir, 'tickets.csv'), `${EXPORT}\n`);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const sync = (...extra: string[]) =>
    spawnSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin', 'gtm.js'),
        'usage',
        'sync',
        path.join(dir, 'tickets.csv'),
        '--store',
        path.join(dir, 'store.duckdb'),
        '--as-of',
        '2026-12-01',
        '--no-cache',
        ...extra
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, HOME: dir } }
    );

  it('without accounts: exit 3, the progress line counts the failures, the error says --create-accounts', () => {
    const r = sync();
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('Usage_Snapshot__c: 0 rows upserted into the local store, 4 rows failed');
    expect(r.stderr).toContain(
      '4 rows name accounts the local store does not have: pass --create-accounts to add an Account for each new account_id'
    );
    const again = sync('--create-accounts');
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('Usage_Snapshot__c: 4 rows upserted into the local store\n');
  });

  it('upsertedLine names failures only when there are some', () => {
    expect(upsertedLine('X__c', 1, 0)).toBe('X__c: 1 row upserted into the local store');
    expect(upsertedLine('X__c', 0, 3)).toBe('X__c: 0 rows upserted into the local store, 3 rows failed');
  });
});
