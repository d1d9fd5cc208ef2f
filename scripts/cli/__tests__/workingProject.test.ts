/** What gtm says about itself and where it keeps its data, run from a user's own project folder. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { runGtm } from '../../test-support/runGtm';
import { HEADER, ticketRows } from '../../test-support/ticketExport';

jest.setTimeout(60_000);

it('--version prints the package version', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = runGtm(['--version']);
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toBe(version);
});

it("run inside another SFDX project, keeps its store in that project's .gtm folder, not in gtm's own", () => {
  const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-project-')));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-home-'));
  try {
    fs.writeFileSync(path.join(project, 'sfdx-project.json'), '{"packageDirectories":[{"path":"force-app"}]}');
    const exports = path.join(project, 'exports');
    fs.mkdirSync(exports);
    fs.writeFileSync(
      path.join(exports, 'tickets.csv'),
      `${HEADER}\n${ticketRows([{ account: 'acme', weekIndex: 2930, total: 3, ai: 1 }]).join('\n')}\n`
    );
    const r = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'gtm.js'), 'usage', 'sync', 'tickets.csv', '--create-accounts', '--json'],
      { cwd: exports, encoding: 'utf8', env: { ...process.env, HOME: home, GTM_DEBUG: '' } }
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.status).toBe(0);
    const store = path.join(project, '.gtm', 'store.duckdb');
    expect(JSON.parse(r.stdout).sink).toBe(`local store ${store}`);
    expect(fs.existsSync(store)).toBe(true);
    expect(fs.readdirSync(path.join(project, '.gtm', 'cache', 'usage')).length).toBeGreaterThan(0);
    // the project's own policy file, when it has one, judges the project's store (before: gtm's own, unsaid)
    expect(JSON.parse(r.stdout).policy).toMatch(/gtm-policy\.json \(version [^)]+\)$/);
    const policy = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'policy', 'gtm-policy.json'), 'utf8')) as {
      version: string;
    };
    policy.version = 'project-copy';
    fs.mkdirSync(path.join(project, 'policy'));
    fs.writeFileSync(path.join(project, 'policy', 'gtm-policy.json'), JSON.stringify(policy, null, 2));
    const again = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'gtm.js'), 'usage', 'sync', 'tickets.csv', '--dry-run', '--json'],
      { cwd: exports, encoding: 'utf8', env: { ...process.env, HOME: home, GTM_DEBUG: '' } }
    );
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).policy).toMatch(/\(version project-copy\)$/);
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  }
});
