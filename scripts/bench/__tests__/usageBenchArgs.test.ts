/** The benchmark's flags: --help and bad values answer at once instead of starting the 10M-row run. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';

const bench = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'bench', 'usageBench.ts'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000
  });

describe('npm run bench:usage flags', () => {
  it('--help prints the usage and exits 0', () => {
    const r = bench('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run bench:usage -- \[--events N\]/);
    expect(r.stdout).toMatch(/--shapes +export shapes to measure/);
  });

  it('an unknown flag or a value that is not a positive whole number is a usage error (exit 2)', () => {
    const typo = bench('--evnts', '5');
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/^error: unknown option --evnts/);
    const bad = bench('--rounds', '0');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('error: --rounds needs a positive whole number, got 0\n');
    const shape = bench('--shapes', 'today,quoted');
    expect(shape.status).toBe(2);
    expect(shape.stderr).toMatch(
      /^error: --shapes takes some of today, offsets, quoted-crlf, other-forms, rejects, got today,quoted/
    );
  });
});
