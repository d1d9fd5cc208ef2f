/**
 * `convert`: the Salesforce CLI can turn force-app into a Metadata API package (what a deploy sends), and the
 * package holds no test code. Jest tests and configs next to LWC bundles are kept out only by .forceignore; if a
 * pattern is missing they ship to the org, where they fail the deploy or clutter the component.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Problem } from '../../lib/errors';
import { projectPaths, REPO_ROOT } from '../../lib/paths';
import { listFiles, relFile, runProcess } from '../files';
import type { Check } from '../types';

const TEST_FILE = /(^|\/)(__tests__|__mocks__)\/|\.test\.[jt]s$|(^|\/)jest\.config\.[cm]?js$/;

/** The sf CLI of the project (falls back to this repository's), never a global install of another version. */
function sfBinary(projectDir: string): string {
  const local = path.join(projectDir, 'node_modules', '.bin', 'sf');
  return fs.existsSync(local) ? local : path.join(REPO_ROOT, 'node_modules', '.bin', 'sf');
}

/** The CLI's --json error: its message is the actionable part; the stack is noise for a user. */
function cliMessage(stdout: string, stderr: string): string {
  try {
    const doc = JSON.parse(stdout) as { message?: string; name?: string };
    if (doc.message) return doc.message.replace(/\s+/g, ' ').trim();
  } catch {
    // not JSON: fall through to the raw text
  }
  return (stderr || stdout).trim().split('\n').slice(0, 5).join(' ');
}

/** Maps a file of the converted package back to its source under force-app, by path suffix. */
function sourceOf(outFileRel: string, sources: string[]): string | undefined {
  const parts = outFileRel.split('/');
  // drop the metadata-type folder (lwc/, aura/, ...) only if no match keeps it
  for (const tail of [parts.join('/'), parts.slice(1).join('/')]) {
    const hit = sources.find((s) => s.split(path.sep).join('/').endsWith(`/${tail}`));
    if (hit) return hit;
  }
  return undefined;
}

export const convertCheck: Check = {
  name: 'convert',
  description: 'sf project convert source succeeds and the package holds no test files',
  async run({ projectDir }) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-convert-'));
    const outDir = path.join(tmp, 'mdapi');
    try {
      const r = await runProcess(
        sfBinary(projectDir),
        ['project', 'convert', 'source', '--root-dir', 'force-app', '--output-dir', outDir, '--json'],
        {
          cwd: projectDir,
          env: {
            ...process.env,
            SF_SKIP_NEW_VERSION_CHECK: 'true',
            SF_DISABLE_TELEMETRY: 'true',
            // the sf CLI's update plugin reads SF_DISABLE_AUTOUPDATE; without it every run spawns a detached 'sf update'
            SF_DISABLE_AUTOUPDATE: 'true',
            SF_JSON_TO_STDOUT: 'true'
          },
          timeoutMs: 180_000,
          toolHint: 'The Salesforce CLI comes with the project: run npm install.'
        }
      );
      if (r.code !== 0) {
        return [{ file: 'force-app', message: `sf project convert source failed: ${cliMessage(r.stdout, r.stderr)}` }];
      }
      const sources = listFiles(projectPaths(projectDir).forceApp);
      const problems: Problem[] = [];
      for (const out of listFiles(outDir)) {
        const rel = path.relative(outDir, out).split(path.sep).join('/');
        if (!TEST_FILE.test(rel)) continue;
        const src = sourceOf(rel, sources);
        problems.push({
          file: src ? relFile(projectDir, src) : `(package) ${rel}`,
          message: `test file would be deployed (package path ${rel}): add it to .forceignore, e.g. **/__tests__/**`
        });
      }
      return problems;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
};
