/**
 * A wrong command line is a usage error: exit 2 (the README's promise), one `error:` line, and with --json a JSON
 * error on stdout as well, so a scheduler parsing the output sees why nothing ran.
 */
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { runGtm } from '../../test-support/runGtm';

jest.setTimeout(120_000);

const gtm = runGtm;

describe('usage errors exit 2', () => {
  it('an unknown check for validate --only', () => {
    const r = gtm(['validate', '--only', 'lint']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: unknown check "lint"; valid checks: typescript, eslint/m);
  });

  it('an unknown option with --json: the usage error on stderr and as JSON on stdout', () => {
    const r = gtm(['validate', '--json', '--onyl', 'pmd']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown option '--onyl'");
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'error',
      error: 'UsageError',
      message: expect.stringContaining('--onyl')
    });
  });

  it('a bad option value with --json: JSON error, exit 2', () => {
    const r = gtm(['validate', '--json', '--only', 'nope']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'error',
      error: 'UsageError',
      message: expect.stringMatching(/^unknown check "nope"/)
    });
  });

  it('usage sync: a bad --as-of, a bad --max-reject-rate, --store with --target-org', () => {
    const file = path.join(REPO_ROOT, 'data', 'sample', 'plan.json');
    const asOf = gtm(['usage', 'sync', file, '--as-of', 'yesterday']);
    expect(asOf.code).toBe(2);
    expect(asOf.stderr).toMatch(/^error: --as-of "yesterday" is not a date/m);
    const rate = gtm(['usage', 'sync', file, '--max-reject-rate', '150%']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toMatch(/^error: --max-reject-rate "150%" must be a share between 0 and 1/m);
    const both = gtm(['usage', 'sync', file, '--target-org', 'x', '--store', '/tmp/s.duckdb']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: --store and --create-accounts are for the local store/m);
  });

  it('validate --only with no check name is a usage error, not the whole suite', () => {
    const r = gtm(['validate', '--only', '']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --only needs at least one check: typescript, eslint/m);
  });
});
