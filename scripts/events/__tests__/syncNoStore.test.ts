/** `gtm events sync` into a store that does not exist: refused before anything is made. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../cli/main';

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  try {
    const code = await main(['node', 'gtm', 'events', 'sync', ...args]);
    return { code, stderr: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-events-nostore-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

// before: every row was quarantined as Unknown-Account and the refused run left an empty store file behind
it('names the missing store and what to run first, and leaves no store file', async () => {
  const events = path.join(dir, 'events.jsonl');
  fs.writeFileSync(
    events,
    `${JSON.stringify({
      event_id: 'e1',
      event_name: 'Helpdesk Connected',
      schema_version: '1-0-0',
      occurred_at: '2026-03-02T10:00:00Z',
      account_key: 'acme',
      source: 'segment',
      properties: { helpdesk: 'zendesk', connection_id: 'c-1' }
    })}\n`
  );
  const store = path.join(dir, 'new.duckdb');
  const r = await run([events, '--store', store, '--as-of', '2026-04-15']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`error: no local store at ${store}: events attach to Accounts by Usage_Account_Key__c`);
  expect(r.stderr).toContain('run gtm usage sync --create-accounts first');
  expect(fs.readdirSync(dir)).toEqual(['events.jsonl']);
});
