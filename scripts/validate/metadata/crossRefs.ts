/**
 * Cross-references the org checks at deploy time and the source tooling does not: permission sets and
 * profiles naming fields and objects, layouts / list views / compact layouts naming fields, tabs naming objects,
 * custom metadata records naming fields, lookups naming parent objects, record pages placing components that are
 * not exposed for that object. Each rule reports the referring file.
 * Standard fields of standard objects (no __c) are not checked: force-app does not describe them.
 */
import * as path from 'node:path';
import type { Problem } from '../../lib/errors';
import { SchemaIndex } from '../schemaIndex';
import { asArray, isTrue, lineOfElement, metadataStem, text, type XmlNode } from './xml';

export interface MetaFile {
  /** Problem.file: relative to the project. */
  file: string;
  source: string;
  root: string;
  node: XmlNode;
}

/** Names the rules look up besides the schema; all lower-cased. */
export interface ProjectNames {
  apexClasses: Set<string>;
  tabs: Set<string>;
  /** `object.field` of every formula field (FieldDef does not say whether a field is a formula). */
  formulaFields: Set<string>;
}

/** The object a file under objects/<Object>/... belongs to. */
export function objectOfPath(file: string): string | undefined {
  return /(?:^|\/)objects\/([^/]+)\//.exec(file)?.[1];
}

const hasCustomSuffix = (name: string) => /__(c|mdt|e)$/i.test(name);
const CALCULATED = new Set(['Summary', 'AutoNumber']);

class Reporter {
  readonly problems: Problem[] = [];
  constructor(private readonly f: MetaFile) {}
  add(message: string, opts: { field?: string; tag?: string; value?: string } = {}) {
    const line = opts.tag ? lineOfElement(this.f.source, opts.tag, opts.value) : undefined;
    this.problems.push({ file: this.f.file, line, field: opts.field, message });
  }
}

/** A custom field `Object.Field__c` referenced from somewhere: undefined when fine, else why the org rejects it. */
function missingField(idx: SchemaIndex, objectName: string, fieldName: string): string | undefined {
  const obj = idx.object(objectName);
  if (!obj) {
    if (hasCustomSuffix(objectName)) return `object ${objectName} is not defined in force-app`;
    if (!/__c$/i.test(fieldName)) return undefined; // standard field of a standard object
    return `field ${objectName}.${fieldName} is not defined in force-app (no objects/${objectName}/fields/${fieldName}.field-meta.xml)`;
  }
  if (!/__c$/i.test(fieldName)) return undefined;
  return idx.field(objectName, fieldName) ? undefined : `field ${objectName}.${fieldName} is not defined in force-app`;
}

function checkPermissions(f: MetaFile, idx: SchemaIndex, names: ProjectNames, r: Reporter) {
  for (const fp of asArray(f.node.fieldPermissions)) {
    const ref = text(fp, 'field') ?? '';
    const [objectName = '', fieldName = ''] = ref.split('.');
    const where = { field: ref, tag: 'field', value: ref };
    const missing = missingField(idx, objectName, fieldName);
    if (missing) {
      r.add(`fieldPermissions: ${missing}`, where);
      continue;
    }
    const def = idx.field(objectName, fieldName);
    if (def?.type === 'MasterDetail') {
      r.add('fieldPermissions on a master-detail field: the org rejects them (access follows the parent)', where);
    } else if (def?.required) {
      r.add(
        'fieldPermissions on a required field: the org rejects them (required fields are always readable and editable)',
        where
      );
    }
    if (isTrue(fp, 'editable') && !isTrue(fp, 'readable')) r.add('fieldPermissions: editable without readable', where);
    const formula = names.formulaFields.has(ref.toLowerCase());
    if (def && isTrue(fp, 'editable') && (CALCULATED.has(def.type) || formula)) {
      r.add(
        `fieldPermissions: ${formula ? 'formula' : def.type} field ${ref} is calculated and cannot be editable`,
        where
      );
    }
  }
  for (const op of asArray(f.node.objectPermissions)) {
    const objectName = text(op, 'object') ?? '';
    const where = { field: objectName, tag: 'object', value: objectName };
    if (hasCustomSuffix(objectName) && !idx.object(objectName)) {
      r.add(`objectPermissions: object ${objectName} is not defined in force-app`, where);
      continue;
    }
    const p = (k: string) => isTrue(op, k);
    const needs: [boolean, string][] = [
      [p('allowCreate') && !p('allowRead'), 'allowCreate without allowRead'],
      [p('allowEdit') && !p('allowRead'), 'allowEdit (editable) without allowRead (readable)'],
      [p('allowDelete') && !(p('allowRead') && p('allowEdit')), 'allowDelete without allowRead and allowEdit'],
      [p('viewAllRecords') && !p('allowRead'), 'viewAllRecords without allowRead'],
      [
        p('modifyAllRecords') && !(p('allowDelete') && p('viewAllRecords')),
        'modifyAllRecords without allowDelete and viewAllRecords'
      ]
    ];
    for (const [bad, what] of needs)
      if (bad) r.add(`objectPermissions: ${what} (the org rejects the combination)`, where);
  }
  for (const ca of asArray(f.node.classAccesses)) {
    const cls = text(ca, 'apexClass') ?? '';
    if (cls && !cls.includes('__') && !names.apexClasses.has(cls.toLowerCase())) {
      r.add(`classAccesses: Apex class ${cls} is not in force-app`, { field: cls, tag: 'apexClass', value: cls });
    }
  }
  for (const ts of asArray(f.node.tabSettings)) {
    const tab = text(ts, 'tab') ?? '';
    if (hasCustomSuffix(tab) && !names.tabs.has(tab.toLowerCase())) {
      r.add(`tabSettings: tab ${tab} is not in force-app (no tabs/${tab}.tab-meta.xml)`, {
        field: tab,
        tag: 'tab',
        value: tab
      });
    }
  }
  for (const ma of asArray(f.node.customMetadataTypeAccesses)) {
    const name = text(ma, 'name') ?? '';
    if (name && !idx.object(name)) {
      r.add(`customMetadataTypeAccesses: ${name} is not defined in force-app`, {
        field: name,
        tag: 'name',
        value: name
      });
    }
  }
}

function checkFieldList(idx: SchemaIndex, objectName: string, refs: string[], what: string, tag: string, r: Reporter) {
  if (hasCustomSuffix(objectName) && !idx.object(objectName)) {
    r.add(`${what} for object ${objectName}, which is not defined in force-app`);
    return;
  }
  for (const ref of refs) {
    // list view columns may be qualified (Account.Field__c) or standard upper-case tokens (NAME, CREATED_DATE)
    const parts = ref.split('.');
    const fieldName = parts[parts.length - 1]!;
    if (!/__c$/i.test(fieldName)) continue;
    const owner = parts.length > 1 && idx.object(parts[parts.length - 2]!) ? parts[parts.length - 2]! : objectName;
    const missing = missingField(idx, owner, fieldName);
    if (missing) r.add(`${what}: ${missing}`, { field: `${owner}.${fieldName}`, tag, value: ref });
  }
}

function checkRelationshipField(f: MetaFile, idx: SchemaIndex, r: Reporter) {
  const objectName = objectOfPath(f.file) ?? '';
  const type = text(f.node, 'type');
  const referenceTo = text(f.node, 'referenceTo');
  const field = `${objectName}.${metadataStem(f.file)}`;
  if (referenceTo && hasCustomSuffix(referenceTo) && !idx.object(referenceTo)) {
    r.add(`${type} to ${referenceTo}, which is not defined in force-app`, { field, tag: 'referenceTo' });
  }
}

function checkCustomObject(f: MetaFile, idx: SchemaIndex, r: Reporter) {
  const objectName = metadataStem(f.file);
  if (!/__c$/.test(objectName)) return;
  for (const tag of ['label', 'pluralLabel']) {
    if (!text(f.node, tag)) r.add(`custom object needs <${tag}>`, { field: objectName });
  }
  if (!f.node.nameField) r.add('custom object needs a <nameField> (Text or AutoNumber)', { field: objectName });
  const masterDetails = [...(idx.object(objectName)?.fields.values() ?? [])].filter((d) => d.type === 'MasterDetail');
  if (masterDetails.length > 2) {
    r.add(`has ${masterDetails.length} master-detail fields; an object may have at most 2`, { field: objectName });
  }
  const sharing = text(f.node, 'sharingModel');
  if (masterDetails.length > 0 && sharing && sharing !== 'ControlledByParent') {
    r.add(
      `has master-detail field ${masterDetails[0]!.apiName} but <sharingModel>${sharing}</sharingModel>; the org requires ControlledByParent`,
      { field: objectName, tag: 'sharingModel' }
    );
  }
}

/** What a Lightning page may place: the component's js-meta.xml, by bundle name. */
interface BundleTargets {
  exposed: boolean;
  targets: Set<string>;
  /** objects named in its targetConfigs; empty = any object */
  objects: Set<string>;
}

function bundleTargets(files: MetaFile[]): Map<string, BundleTargets> {
  const out = new Map<string, BundleTargets>();
  for (const f of files) {
    if (f.root !== 'LightningComponentBundle') continue;
    const name = path.basename(f.file).split('.')[0]!;
    const objects = asArray(f.node.targetConfigs)
      .flatMap((tc) => asArray((tc as XmlNode).targetConfig))
      .flatMap((c) => asArray((c as XmlNode).objects))
      .flatMap((o) => asArray<string>((o as XmlNode).object).map(String));
    out.set(name, {
      exposed: isTrue(f.node, 'isExposed'),
      targets: new Set(asArray(f.node.targets).flatMap((t) => asArray<string>((t as XmlNode).target).map(String))),
      objects: new Set(objects)
    });
  }
  return out;
}

/** A record page may place only exposed components that target record pages of its object. */
function checkFlexiPage(f: MetaFile, idx: SchemaIndex, bundles: Map<string, BundleTargets>, r: Reporter) {
  const objectName = text(f.node, 'sobjectType');
  if (text(f.node, 'type') !== 'RecordPage' || !objectName) return;
  if (hasCustomSuffix(objectName) && !idx.object(objectName)) {
    r.add(`record page for object ${objectName}, which is not defined in force-app`, {
      field: objectName,
      tag: 'sobjectType'
    });
  }
  const components = asArray(f.node.flexiPageRegions)
    .flatMap((region) => asArray((region as XmlNode).itemInstances))
    .map((item) => text((item as XmlNode).componentInstance, 'componentName'))
    .filter((name): name is string => Boolean(name) && !name!.includes(':'));
  for (const name of components) {
    const bundle = bundles.get(name);
    const at = { field: name, tag: 'componentName', value: name };
    if (!bundle) r.add(`places component ${name}, which is not in force-app/main/default/lwc`, at);
    else if (!bundle.exposed) r.add(`places component ${name}, whose js-meta.xml has isExposed false`, at);
    else if (!bundle.targets.has('lightning__RecordPage'))
      r.add(`places component ${name}, which does not target lightning__RecordPage`, at);
    else if (bundle.objects.size > 0 && !bundle.objects.has(objectName))
      r.add(`places component ${name} on ${objectName}, but it targets only ${[...bundle.objects].join(', ')}`, at);
  }
}

export function checkCrossReferences(files: MetaFile[], idx: SchemaIndex, names: ProjectNames): Problem[] {
  const problems: Problem[] = [];
  const bundles = bundleTargets(files);
  for (const f of files) {
    const r = new Reporter(f);
    switch (f.root) {
      case 'PermissionSet':
      case 'Profile':
        checkPermissions(f, idx, names, r);
        break;
      case 'Layout': {
        const objectName = metadataStem(f.file).split('-')[0]!;
        const items = asArray(f.node.layoutSections)
          .flatMap((s) => asArray((s as XmlNode).layoutColumns))
          .flatMap((c) => asArray((c as XmlNode).layoutItems))
          .map((i) => text(i, 'field'))
          .filter((x): x is string => Boolean(x));
        checkFieldList(idx, objectName, items, 'layout', 'field', r);
        break;
      }
      case 'ListView': {
        const objectName = objectOfPath(f.file) ?? '';
        const cols = asArray<string>(f.node.columns).map(String);
        const filters = asArray(f.node.filters).map((x) => text(x, 'field') ?? '');
        checkFieldList(idx, objectName, cols, 'list view column', 'columns', r);
        checkFieldList(idx, objectName, filters, 'list view filter', 'field', r);
        break;
      }
      case 'CompactLayout': {
        const objectName = objectOfPath(f.file) ?? '';
        checkFieldList(idx, objectName, asArray<string>(f.node.fields).map(String), 'compact layout', 'fields', r);
        break;
      }
      case 'CustomTab': {
        const name = metadataStem(f.file);
        if (isTrue(f.node, 'customObject') && !idx.object(name)) {
          r.add(`tab for object ${name}, which is not defined in force-app`, { field: name, tag: 'customObject' });
        }
        break;
      }
      case 'CustomMetadata': {
        const typeName = `${path.basename(f.file).split('.')[0]}__mdt`;
        if (!idx.object(typeName)) {
          r.add(`record of ${typeName}, which is not defined in force-app`, { field: typeName });
          break;
        }
        for (const v of asArray(f.node.values)) {
          const fieldName = text(v, 'field') ?? '';
          if (!idx.field(typeName, fieldName)) {
            r.add(`value for ${typeName}.${fieldName}, which is not defined in force-app`, {
              field: `${typeName}.${fieldName}`,
              tag: 'field',
              value: fieldName
            });
          }
        }
        break;
      }
      case 'CustomField':
        checkRelationshipField(f, idx, r);
        break;
      case 'CustomObject':
        checkCustomObject(f, idx, r);
        break;
      case 'FlexiPage':
        checkFlexiPage(f, idx, bundles, r);
        break;
      default:
        break;
    }
    problems.push(...r.problems);
  }
  return problems;
}
