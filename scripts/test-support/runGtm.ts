/** The real `gtm` CLI run as a user would: a child process, a fresh HOME with no Salesforce auth, no debug stacks. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../lib/paths';

export function runGtm(args: string[], env: Record<string, string> = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-home-'));
  try {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gtm.js'), ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, HOME: home, GTM_DEBUG: '', ...env }
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
