import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { loadSchema } from '../../metadata/schema';
import { LocalStore } from '../../store/localStore';

// before: `gtm routing readout exp-001 --export /proc/x` spun at 100% CPU forever (Node's recursive mkdir loops where
// mkdir says ENOENT under a folder that exists) and ignored Ctrl-C; it must stop with one error line instead
const onLinux = fs.existsSync('/proc/self') ? it : it.skip;

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-readout-export-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

onLinux('an --export folder under /proc is refused with an error naming it', async () => {
  const storeFile = path.join(dir, 'store.duckdb');
  const store = await LocalStore.open(storeFile, loadSchema());
  await store.close();
  const run = spawnSync(
    process.execPath,
    [
      path.join(REPO_ROOT, 'bin', 'gtm.js'),
      'routing',
      'readout',
      'exp-001',
      '--store',
      storeFile,
      '--as-of',
      '2026-04-06',
      '--export',
      '/proc/gtm-readout-export/out'
    ],
    // a safety net for the old behaviour (it ignored SIGTERM while spinning), not an assertion on time
    { cwd: dir, env: { ...process.env, HOME: dir }, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' }
  );
  expect(run.signal).toBeNull();
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(
    /error: --export \/proc\/gtm-readout-export\/out: cannot write accounts\.csv: a read-only or virtual file system/
  );
});
