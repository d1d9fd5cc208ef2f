/**
 * `apex-compile`: a semantic compile of every class and trigger in force-app, offline, against the project's own
 * objects and fields and the standard library: what `sf project deploy start` would reject before any test runs.
 * Two parts: apex-ls (types, fields, relationships, methods, argument and assignment types, reserved words; see
 * tools/apexLs.ts) and the project's own check of private members used from another class, which apex-ls does
 * not make. SOQL inside Apex is checked by `field-references`, which resolves every field and relationship path of
 * a query against force-app.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, projectPaths } from '../../lib/paths';
import { listFiles, relFile } from '../files';
import { privateMemberUses } from '../references/visibility';
import { runApexLs } from '../tools/apexLs';
import type { Check } from '../types';

/** Where the Java 17 copies of apex-ls's classes are kept: beside the dependencies, never in the home folder. */
export const APEX_LS_CACHE = path.join(REPO_ROOT, 'node_modules', '.cache', 'gtm');

export const apexCompileCheck: Check = {
  name: 'apex-compile',
  description: 'semantic Apex compile (apex-ls) against force-app and the standard library, plus private-member use',
  async run({ projectDir }) {
    const apexFiles = listFiles(projectPaths(projectDir).forceApp, (f) => /\.(cls|trigger)$/.test(f));
    if (apexFiles.length === 0) return [];
    const visibility = privateMemberUses(
      apexFiles
        .filter((f) => f.endsWith('.cls'))
        .map((f) => ({ file: relFile(projectDir, f), text: fs.readFileSync(f, 'utf8') }))
    );
    const compiled = await runApexLs(projectDir, APEX_LS_CACHE);
    return [...compiled, ...visibility].sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
  }
};
