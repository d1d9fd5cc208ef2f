/**
 * `metadata-xml`: what the org would reject in force-app's XML, found offline. SDR and `sf project convert`
 * accept a mismatched tag or a field of type `Percentage` without complaint (see TOOLCHAIN.md), so this check
 * validates each file itself: well-formed XML, fullName matching the file name, CustomField types and required
 * attributes, and cross-references between files (see metadata/crossRefs.ts). SDR's own resolution runs last as
 * a belt-and-braces check that every file maps to a metadata type.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import type { Problem } from '../../lib/errors';
import { projectPaths } from '../../lib/paths';
import { loadSchema } from '../../metadata/schema';
import { listFiles, relFile } from '../files';
import { checkCrossReferences, objectOfPath, type MetaFile, type ProjectNames } from '../metadata/crossRefs';
import { checkCustomField } from '../metadata/fieldRules';
import { lineOfElement, metadataStem, parseXml, rootOf, text } from '../metadata/xml';
import { SchemaIndex } from '../schemaIndex';
import type { Check } from '../types';

const FIELD_FILE = /(?:^|\/)objects\/([^/]+)\/fields\/([^/]+)\.field-meta\.xml$/;

/** Reads and validates one XML file; returns it parsed when well-formed. */
function readMetadataFile(projectDir: string, abs: string, problems: Problem[]): MetaFile | undefined {
  const file = relFile(projectDir, abs);
  const source = fs.readFileSync(abs, 'utf8');
  const valid = XMLValidator.validate(source);
  if (valid !== true) {
    problems.push({ file, line: valid.err.line, column: valid.err.col, message: `malformed XML: ${valid.err.msg}` });
    return undefined;
  }
  const root = rootOf(parseXml(source));
  if (!root) {
    problems.push({ file, message: 'no root element' });
    return undefined;
  }
  return { file, source, root: root.name, node: root.node };
}

/** fullName, when a file states one, must be the name its file gives it; the org keys components by it. */
function checkFullName(f: MetaFile, problems: Problem[]) {
  const fullName = text(f.node, 'fullName');
  const stem = metadataStem(f.file);
  if (fullName !== undefined && fullName !== stem) {
    problems.push({
      file: f.file,
      line: lineOfElement(f.source, 'fullName'),
      field: 'fullName',
      message: `<fullName>${fullName}</fullName> does not match the file name ${stem}`
    });
  }
}

/** Custom objects (and their fields) need the object's own file; without it the deploy has no object to add to. */
function checkObjectFolders(projectDir: string, problems: Problem[]) {
  const objectsDir = projectPaths(projectDir).objects;
  if (!fs.existsSync(objectsDir)) return;
  for (const e of fs.readdirSync(objectsDir, { withFileTypes: true })) {
    if (!e.isDirectory() || !/__(c|mdt|e)$/.test(e.name)) continue;
    if (!fs.existsSync(path.join(objectsDir, e.name, `${e.name}.object-meta.xml`))) {
      problems.push({
        file: relFile(projectDir, path.join(objectsDir, e.name)),
        field: e.name,
        message: `custom object folder has no ${e.name}.object-meta.xml`
      });
    }
  }
}

function projectNames(forceApp: string, files: MetaFile[]): ProjectNames {
  const lower = (xs: string[]) => new Set(xs.map((x) => x.toLowerCase()));
  const formulaFields = files
    .filter((f) => f.root === 'CustomField' && text(f.node, 'formula'))
    .map((f) => `${objectOfPath(f.file)}.${metadataStem(f.file)}`);
  return {
    apexClasses: lower(listFiles(forceApp, (f) => f.endsWith('.cls')).map((f) => path.basename(f, '.cls'))),
    tabs: lower(listFiles(forceApp, (f) => f.endsWith('.tab-meta.xml')).map((f) => metadataStem(f))),
    formulaFields: lower(formulaFields)
  };
}

/** SDR's messages carry absolute paths; make them project-relative and point the problem at the file. */
function sdrProblem(projectDir: string, err: unknown): Problem {
  const message = (err instanceof Error ? err.message : String(err)).split(projectDir + path.sep).join('');
  const file = /^(force-app\/\S+?):/.exec(message)?.[1];
  return { file: file ?? 'force-app', message: `source-deploy-retrieve cannot resolve the source: ${message}` };
}

export const metadataXmlCheck: Check = {
  name: 'metadata-xml',
  description: 'well-formed XML, valid CustomField types/attributes, cross-references the org would reject',
  async run({ projectDir }) {
    const { forceApp } = projectPaths(projectDir);
    const problems: Problem[] = [];
    const files: MetaFile[] = [];
    for (const abs of listFiles(forceApp, (f) => f.endsWith('.xml'))) {
      const f = readMetadataFile(projectDir, abs, problems);
      if (!f) continue;
      files.push(f);
      checkFullName(f, problems);
      const fieldPath = FIELD_FILE.exec(f.file);
      if (fieldPath) {
        if (f.root !== 'CustomField') {
          problems.push({ file: f.file, message: `a field file must have a <CustomField> root, found <${f.root}>` });
          continue;
        }
        problems.push(
          ...checkCustomField({
            file: f.file,
            source: f.source,
            objectName: fieldPath[1]!,
            fieldName: fieldPath[2]!,
            node: f.node
          })
        );
      }
    }
    checkObjectFolders(projectDir, problems);

    try {
      const idx = new SchemaIndex(loadSchema(projectDir));
      problems.push(...checkCrossReferences(files, idx, projectNames(forceApp, files)));
    } catch (err) {
      problems.push({ file: 'force-app', message: `cross-references not checked: ${(err as Error).message}` });
    }

    if (fs.existsSync(forceApp)) {
      // loaded on use: SDR's registry is large and only this check needs it
      const { ComponentSet } = await import('@salesforce/source-deploy-retrieve');
      try {
        ComponentSet.fromSource(forceApp);
      } catch (err) {
        problems.push(sdrProblem(projectDir, err));
      }
    }
    return problems;
  }
};
