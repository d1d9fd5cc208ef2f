/**
 * An option that takes a value is given the next word even when that word is another option. Every command, not only
 * the usage commands, refuses that as a usage error before it runs: `gtm audit review --reason --dry-run` would
 * otherwise write a verdict whose reason is "--dry-run" for real.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGtm } from '../../test-support/runGtm';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-option-values-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('an option given where a value belongs is a usage error on every command', () => {
  it.each([
    [
      ['audit', 'review', '006000000000001', '--case', 'T-1', '--verdict', 'hallucinated', '--reason', '--dry-run'],
      '--reason',
      '--dry-run'
    ],
    [['onboarding', 'readout', 'exp-008', '--as-of', '--json'], '--as-of', '--json'],
    [['onboarding', 'activation', 'sync', 'tickets.csv', '--target-org', '--dry-run'], '--target-org', '--dry-run'],
    [['routing', 'sweep', '--as-of', '--dry-run'], '--as-of', '--dry-run']
  ])('%j: exit 2 naming the option and the word', (args, flag, value) => {
    // a store that does not exist: were the command to run, it would fail on the store (exit 1), not on its line
    const r = runGtm([...args, '--store', path.join(dir, 'none.duckdb')]);
    expect(r.stderr).toContain(`error: ${flag} needs a value, but the next word is the option ${value}`);
    expect(r.code).toBe(2);
    expect(fs.existsSync(path.join(dir, 'none.duckdb'))).toBe(false);
  });

  it('a value that only looks like a short option is kept (a reason may start with a dash)', () => {
    const r = runGtm([
      'audit',
      'review',
      '006000000000001',
      '--case',
      'T-1',
      '--verdict',
      'hallucinated',
      '--reason',
      '-see the article',
      '--store',
      path.join(dir, 'none.duckdb')
    ]);
    expect(r.stderr).not.toContain('needs a value');
    expect(r.stderr).toMatch(/^error: no local store at /m);
    expect(r.code).toBe(1);
  });
});
