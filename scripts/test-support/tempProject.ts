/**
 * Temporary copies of this project for tests that break something on purpose. Only what the test needs is
 * copied; node_modules is linked, so tools resolve as in the repo.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../lib/paths';

export const DEFAULT_PROJECT_PARTS = ['sfdx-project.json', 'force-app', 'data', 'policy'];

export function makeTempProject(parts: string[] = DEFAULT_PROJECT_PARTS): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-test-'));
  for (const part of parts) {
    fs.cpSync(path.join(REPO_ROOT, part), path.join(dir, part), { recursive: true });
  }
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

export function removeTempProject(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Replaces text in a file of a temp project; fails the test when the text is not there. */
export function editFile(dir: string, rel: string, from: string | RegExp, to: string): void {
  const file = path.join(dir, rel);
  const text = fs.readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`editFile: ${String(from)} not found in ${rel}`);
  fs.writeFileSync(file, next);
}
