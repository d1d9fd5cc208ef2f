/** `gtm workbench --store F` on a world whose description names files that are gone says so, not "no description". */
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
    const code = await main(['node', 'gtm', 'workbench', '--no-open', ...args]);
    return { code, stderr: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-wb-moved-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

// before: a world moved to another folder (its description names its ticket export by absolute path) was refused as
// "no world.duckdb.world.json next to it" while that file was right there
it('a moved world is refused naming the ticket export that is gone, and nothing is replaced', async () => {
  const store = path.join(dir, 'world.duckdb');
  fs.writeFileSync(store, 'the store');
  const gone = path.join(dir, 'elsewhere', 'sample-tickets.csv');
  fs.writeFileSync(`${store}.world.json`, JSON.stringify({ ticketExport: gone, today: '2026-11-24' }));
  const r = await run(['--port', '0', '--store', store]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(
    `is not a workbench sample world (its ticket export ${gone}, named in world.duckdb.world.json, is gone (moved or deleted))`
  );
  expect(r.stderr).not.toContain('next to it');
  expect(fs.readFileSync(store, 'utf8')).toBe('the store');
});

it('a description that is not JSON is named as such', async () => {
  const store = path.join(dir, 'world.duckdb');
  fs.writeFileSync(store, 'the store');
  fs.writeFileSync(`${store}.world.json`, '{ not json');
  const r = await run(['--port', '0', '--store', store]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('(world.duckdb.world.json is not readable JSON)');
});
