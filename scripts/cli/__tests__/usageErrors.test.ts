/**
 * A wrong command line is a usage error: exit 2 (the README's promise), one `error:` line, and with --json a JSON
 * error on stdout as well, so a scheduler parsing the output sees why nothing ran.
 */
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { parseAsOf } from '../../commands/usage';
import { UsageError } from '../../lib/errors';
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

describe('--as-of says what is wrong with it', () => {
  const refusal = (text: string) => {
    try {
      parseAsOf(text);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      const e = err as UsageError;
      return [e.message, ...e.details].join('\n');
    }
    throw new Error(`${text} was accepted`);
  };

  it('takes a date (midnight UTC) and every instant form the export rules take', () => {
    expect(parseAsOf('2026-11-30')).toBe(Date.UTC(2026, 10, 30));
    expect(parseAsOf('2026-11-30 09:00:00.5+05:30')).toBe(Date.UTC(2026, 10, 30, 3, 30, 0, 500));
    expect(parseAsOf('2026-11-30T09:00:00')).toBe(Date.UTC(2026, 10, 30, 9));
  });

  // before: each of these said only "is not a date (2026-11-30) or an ISO 8601 instant"
  it('names the year range, an impossible day, or the accepted forms', () => {
    expect(refusal('1500-01-01')).toMatch(/--as-of "1500-01-01" is outside the years 1678\.\.2261/);
    expect(refusal('2026-02-30')).toMatch(/--as-of "2026-02-30" is not a day of the calendar/);
    const forms = refusal('2026-11-30T09:00:00+0530');
    expect(forms).toMatch(/is not a date or an instant/);
    expect(forms).toMatch(/accepted: 2026-11-30 \(midnight UTC\), 2026-11-30T09:00:00Z, 2026-11-30 09:00:00\.5\+05:30/);
  });
});
