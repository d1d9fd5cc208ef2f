/**
 * `field-references`: every custom object, field and relationship the code names exists in force-app's
 * objects (loadSchema), and every standard field, relationship path and child relationship a query names exists
 * on its object (the standard SObjects of apex-ls's sobject-types jar; apex-ls itself does not look inside
 * SOQL). Apex, LWC (JavaScript and templates) and the TypeScript tooling are read; test folders and fixtures are
 * skipped because they reference made-up names on purpose. A typo in a field name otherwise surfaces only when
 * the org rejects the deploy, or worse, at run time in a dynamic query.
 */
import * as fs from 'node:fs';
import type { Problem } from '../../lib/errors';
import { projectPaths } from '../../lib/paths';
import { loadSchema } from '../../metadata/schema';
import { isTestPath, listFiles, relFile, TEST_DIR_NAMES } from '../files';
import { apexReferences } from '../references/apex';
import { scriptReferences, templateReferences } from '../references/javascript';
import { StandardObjects } from '../references/standard';
import type { Ref } from '../references/tokens';
import { SchemaIndex } from '../schemaIndex';
import { loadSObjectCatalog, sobjectTypesJar } from '../tools/sobjectTypes';
import type { Check } from '../types';
import { APEX_LS_CACHE } from './apexCompile';

const skipTestDirs = (name: string) => TEST_DIR_NAMES.has(name);

/** The files to read and how: Apex, LWC js/html, and the tooling's TypeScript. */
type Analyze = (src: string, idx: SchemaIndex, std: StandardObjects) => Ref[];

function sources(projectDir: string): { file: string; analyze: Analyze }[] {
  const { forceApp, scripts } = projectPaths(projectDir);
  const shipped = (f: string) => !isTestPath(f);
  const apex = listFiles(forceApp, (f) => /\.(cls|trigger)$/.test(f) && shipped(f), skipTestDirs);
  const lwc = listFiles(forceApp, (f) => /[\\/]lwc[\\/]/.test(f) && /\.(js|html)$/.test(f) && shipped(f), skipTestDirs);
  const ts = listFiles(scripts, (f) => /\.ts$/.test(f) && !f.endsWith('.d.ts') && shipped(f), skipTestDirs);
  return [
    ...apex.map((file) => ({ file, analyze: apexReferences })),
    ...lwc.map((file) => ({
      file,
      analyze: file.endsWith('.html')
        ? templateReferences
        : (src: string, idx: SchemaIndex, std: StandardObjects) => scriptReferences(src, file, idx, std)
    })),
    ...ts.map((file) => ({
      file,
      analyze: (src: string, idx: SchemaIndex, std: StandardObjects) => scriptReferences(src, file, idx, std)
    }))
  ];
}

export const fieldReferencesCheck: Check = {
  name: 'field-references',
  description: 'custom objects/fields named in Apex, LWC and scripts exist in force-app; standard ones in SOQL exist',
  async run({ projectDir }) {
    let idx: SchemaIndex;
    try {
      idx = new SchemaIndex(loadSchema(projectDir));
    } catch (err) {
      // metadata-xml reports the broken file itself; here it only means nothing can be resolved
      return [
        { file: 'force-app', message: `cannot read the schema, references not checked: ${(err as Error).message}` }
      ];
    }
    const std = new StandardObjects(await loadSObjectCatalog(sobjectTypesJar(), APEX_LS_CACHE), idx);
    const problems: Problem[] = [];
    const seen = new Set<string>();
    for (const { file, analyze } of sources(projectDir)) {
      const rel = relFile(projectDir, file);
      for (const r of analyze(fs.readFileSync(file, 'utf8'), idx, std)) {
        const key = `${rel}:${r.line}:${r.column}:${r.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        problems.push({ file: rel, line: r.line, column: r.column, field: r.name, message: r.message });
      }
    }
    return problems;
  }
};
