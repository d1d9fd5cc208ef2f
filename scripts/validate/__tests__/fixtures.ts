/**
 * Builders for the small SFDX projects the validate tests break on purpose. Each test gets its own temp dir with
 * only the configs it needs copied from the repository, and node_modules linked so tools resolve as in the repo.
 * Nothing here reads the repository's force-app: the metadata under test is written by the test itself.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';

export const DEFAULT = 'force-app/main/default';

/**
 * A temp project with the given files (paths relative to the project) and configs copied from the repository
 * (any of sfdx-project.json, tsconfig.json, eslint.config.js, .prettierrc, .prettierignore, .forceignore).
 */
export function makeProject(files: Record<string, string> = {}, configs: string[] = ['sfdx-project.json']): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-validate-'));
  for (const c of configs) fs.copyFileSync(path.join(REPO_ROOT, c), path.join(dir, c));
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.mkdirSync(path.join(dir, DEFAULT), { recursive: true });
  for (const [rel, content] of Object.entries(files)) writeFile(dir, rel, content);
  return dir;
}

export function writeFile(dir: string, rel: string, content: string): void {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

export function removeProject(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"';

export function customObject(name: string, options: { sharingModel?: string } = {}): Record<string, string> {
  const label = name.replace(/__c$/, '').replace(/_/g, ' ');
  return {
    [`${DEFAULT}/objects/${name}/${name}.object-meta.xml`]:
      `${XML_HEAD}<CustomObject ${NS}>\n` +
      `    <deploymentStatus>Deployed</deploymentStatus>\n` +
      `    <label>${label}</label>\n` +
      `    <nameField>\n        <label>${label} Name</label>\n        <type>Text</type>\n    </nameField>\n` +
      `    <pluralLabel>${label}s</pluralLabel>\n` +
      `    <sharingModel>${options.sharingModel ?? 'ReadWrite'}</sharingModel>\n` +
      `</CustomObject>\n`
  };
}

export function cmdtObject(name: string): Record<string, string> {
  return {
    [`${DEFAULT}/objects/${name}/${name}.object-meta.xml`]:
      `${XML_HEAD}<CustomObject ${NS}>\n    <label>Settings</label>\n    <pluralLabel>Settings</pluralLabel>\n` +
      `    <visibility>Public</visibility>\n</CustomObject>\n`
  };
}

/** A field file; `body` is the XML inside <CustomField> after fullName/label (type-specific attributes). */
export function field(objectName: string, fieldName: string, body: string): Record<string, string> {
  return {
    [`${DEFAULT}/objects/${objectName}/fields/${fieldName}.field-meta.xml`]:
      `${XML_HEAD}<CustomField ${NS}>\n    <fullName>${fieldName}</fullName>\n` +
      `    <label>${fieldName.replace(/__c$/, '').replace(/_/g, ' ')}</label>\n${body}</CustomField>\n`
  };
}

export const textField = (o: string, f: string, extra = '') =>
  field(o, f, `    <length>80</length>\n    <required>false</required>\n    <type>Text</type>\n${extra}`);
export const numberField = (o: string, f: string) =>
  field(
    o,
    f,
    `    <precision>10</precision>\n    <scale>2</scale>\n    <required>false</required>\n    <type>Number</type>\n`
  );
export const masterDetail = (o: string, f: string, parent: string, rel: string) =>
  field(
    o,
    f,
    `    <referenceTo>${parent}</referenceTo>\n    <relationshipLabel>${rel}</relationshipLabel>\n` +
      `    <relationshipName>${rel}</relationshipName>\n    <type>MasterDetail</type>\n`
  );
export const lookup = (o: string, f: string, parent: string, rel: string) =>
  field(
    o,
    f,
    `    <deleteConstraint>SetNull</deleteConstraint>\n    <referenceTo>${parent}</referenceTo>\n` +
      `    <relationshipName>${rel}</relationshipName>\n    <required>false</required>\n    <type>Lookup</type>\n`
  );

export function apexClass(name: string, source: string, folder = 'classes'): Record<string, string> {
  return {
    [`${DEFAULT}/${folder}/${name}.cls`]: source,
    [`${DEFAULT}/${folder}/${name}.cls-meta.xml`]: `${XML_HEAD}<ApexClass ${NS}>\n    <apiVersion>65.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n`
  };
}

export function lwcBundle(name: string, js: string, html = '<template></template>\n'): Record<string, string> {
  const dir = `${DEFAULT}/lwc/${name}`;
  return {
    [`${dir}/${name}.js`]: js,
    [`${dir}/${name}.html`]: html,
    [`${dir}/${name}.js-meta.xml`]:
      `${XML_HEAD}<LightningComponentBundle ${NS}>\n    <apiVersion>65.0</apiVersion>\n` +
      `    <isExposed>false</isExposed>\n</LightningComponentBundle>\n`
  };
}

export function permissionSet(name: string, body: string): Record<string, string> {
  return {
    [`${DEFAULT}/permissionsets/${name}.permissionset-meta.xml`]: `${XML_HEAD}<PermissionSet ${NS}>\n    <label>${name}</label>\n${body}</PermissionSet>\n`
  };
}

export const fieldPermission = (ref: string, editable = true) =>
  `    <fieldPermissions>\n        <editable>${editable}</editable>\n        <field>${ref}</field>\n` +
  `        <readable>true</readable>\n    </fieldPermissions>\n`;

export const objectPermission = (objectName: string, p: { read?: boolean; edit?: boolean; create?: boolean } = {}) =>
  `    <objectPermissions>\n        <allowCreate>${p.create ?? false}</allowCreate>\n` +
  `        <allowDelete>false</allowDelete>\n        <allowEdit>${p.edit ?? false}</allowEdit>\n` +
  `        <allowRead>${p.read ?? true}</allowRead>\n        <modifyAllRecords>false</modifyAllRecords>\n` +
  `        <object>${objectName}</object>\n        <viewAllRecords>false</viewAllRecords>\n    </objectPermissions>\n`;

/** The small valid data model most tests start from: a project, its tasks (master-detail) and a setting type. */
export function dataModel(): Record<string, string> {
  return {
    ...customObject('Project__c'),
    ...textField('Project__c', 'Project_Key__c'),
    ...numberField('Project__c', 'Budget__c'),
    ...lookup('Project__c', 'Account__c', 'Account', 'Projects'),
    ...customObject('Task_Item__c', { sharingModel: 'ControlledByParent' }),
    ...masterDetail('Task_Item__c', 'Project__c', 'Project__c', 'Task_Items'),
    ...numberField('Task_Item__c', 'Hours__c'),
    ...cmdtObject('Setting__mdt'),
    ...textField('Setting__mdt', 'Value__c')
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI (`node bin/gtm.js`) from the repository root. Also the way to exercise ESLint and
 * prettier: both load ES modules with dynamic import(), which jest's CommonJS sandbox cannot do.
 */
export function gtm(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gtm.js'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, GTM_DEBUG: '' },
    timeout: 240_000
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface JsonCheck {
  name: string;
  ok: boolean;
  problems: { file: string; line?: number; column?: number; field?: string; message: string }[];
}

/** `gtm validate --only <check> --project <dir> --json`, parsed. */
export function validateInChild(check: string, dir: string): { code: number | null; check: JsonCheck; stderr: string } {
  const r = gtm(['validate', '--only', check, '--project', dir, '--json']);
  let doc: { checks: JsonCheck[] };
  try {
    doc = JSON.parse(r.stdout) as { checks: JsonCheck[] };
  } catch {
    throw new Error(`gtm validate --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, check: doc.checks[0]!, stderr: r.stderr };
}

/** A regex for a stack-trace line, which a person must never see. */
export const STACK = /^\s+at .+[(\s].+:\d+:\d+\)?$/m;
