/**
 * A wrong command line is a usage error: exit 2 (the README's promise), one `error:` line, and with --json a JSON
 * error on stdout as well, so a scheduler parsing the output sees why nothing ran.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';

jest.setTimeout(120_000);

function gtm(args: string[]) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-home-'));
  try {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gtm.js'), ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, HOME: home, GTM_DEBUG: '' }
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

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
});
