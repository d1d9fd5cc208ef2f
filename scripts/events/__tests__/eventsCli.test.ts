import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGtm } from '../../test-support/runGtm';
import { invited, storeWithAccounts, tempDir, writeJsonl } from './eventFiles';

describe('gtm events (the CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validate: exit 0 within the rate, 1 above it with the count; --json lists each violation with its paths', () => {
    const store = path.join(dir, 'none.duckdb');
    const file = writeJsonl(dir, 'e.jsonl', [invited(), invited({ event_name: 'Teammate invited' })]);
    const ok = runGtm(['events', 'validate', file, '--store', store, '--max-violation-rate', '50%', '--json']);
    expect(ok.code).toBe(0);
    const r = JSON.parse(ok.stdout);
    expect(r).toMatchObject({ rows: 2, valid: 1, violating: 1, accounts_checked: false });
    expect(r.violations[0].violations[0]).toMatchObject({
      type: 'Unplanned-Event',
      suggestion: 'Teammate Invited',
      instancePath: '/event_name',
      schemaPath: 'tracking-plan/common.json#/properties/event_name'
    });
    const over = runGtm(['events', 'validate', file, '--store', store]);
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('error: 50.00% of the rows violate the tracking plan, above the limit of 1.00%');
  });

  it('a bad --max-violation-rate is a usage error (exit 2) naming the option', () => {
    const file = writeJsonl(dir, 'e2.jsonl', [invited()]);
    const r = runGtm(['events', 'validate', file, '--max-violation-rate', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-violation-rate "2" must be a share between 0 and 1');
  });

  it('docs --check passes on the repository', () => {
    const r = runGtm(['events', 'docs', '--check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('docs/tracking-plan.md is current');
  });

  it('sync: held while the source is new, then written; a re-run writes nothing; --export has the quarantine', async () => {
    const { file: store, sink } = await storeWithAccounts(dir);
    await sink.close();
    const out = path.join(dir, 'out');
    const file = writeJsonl(dir, 's.jsonl', [invited({ event_id: 's1' }), invited({ event_id: 's2', properties: {} })]);
    const sync = (asOf: string) =>
      runGtm([
        'events',
        'sync',
        file,
        '--store',
        store,
        '--as-of',
        asOf,
        '--max-violation-rate',
        '60%',
        '--export',
        out,
        '--json'
      ]);
    const first = sync('2026-03-03');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ rows: 2, quarantined: 1, held_validate_only: 1, written: 0 });
    const second = sync('2026-04-03');
    expect(JSON.parse(second.stdout)).toMatchObject({ held_validate_only: 0, written: 1, unchanged: 0 });
    const third = sync('2026-04-04');
    expect(JSON.parse(third.stdout)).toMatchObject({ written: 0, unchanged: 1 });
    expect(fs.readFileSync(path.join(out, 'rejects.csv'), 'utf8')).toContain(
      'Required-Missing /properties/invitee_email'
    );
  });
});
