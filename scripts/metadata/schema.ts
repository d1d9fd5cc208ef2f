/**
 * The one schema: objects and fields read from force-app metadata. Everything that needs an object or field
 * API name, a picklist value or an external ID (loaders, Bulk CSV headers, the local store, the reference
 * check) asks this module instead of restating it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { InputError } from '../lib/errors';
import { displayPath, projectPaths } from '../lib/paths';

export interface FieldDef {
  objectApiName: string;
  apiName: string;
  label: string;
  type: string;
  required: boolean;
  externalId: boolean;
  unique: boolean;
  referenceTo?: string;
  relationshipName?: string;
  picklistValues: string[];
  length?: number;
  precision?: number;
  scale?: number;
  file: string;
}

export interface ObjectDef {
  apiName: string;
  label?: string;
  /** true when force-app defines the object itself (custom objects, custom metadata types). */
  custom: boolean;
  nameFieldType?: string;
  fields: Map<string, FieldDef>;
  file?: string;
}

export interface Schema {
  objects: Map<string, ObjectDef>;
  object(apiName: string): ObjectDef;
  field(objectApiName: string, fieldApiName: string): FieldDef;
  hasField(objectApiName: string, fieldApiName: string): boolean;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ['value', 'fields', 'valueSettings', 'listViews'].includes(name)
});

export function readMetadataXml(file: string): Record<string, unknown> {
  return parser.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

const asBool = (v: unknown) => String(v).trim() === 'true';
const asNum = (v: unknown) => (v === undefined || v === '' ? undefined : Number(v));
const asStr = (v: unknown) => (v === undefined ? undefined : String(v).trim());

function parseField(objectApiName: string, file: string): FieldDef {
  const doc = readMetadataXml(file).CustomField as Record<string, unknown> | undefined;
  if (!doc) throw new InputError(`${displayPath(file)}: not a CustomField document`);
  const valueSet = doc.valueSet as { valueSetDefinition?: { value?: { fullName: unknown }[] } } | undefined;
  const picklistValues = (valueSet?.valueSetDefinition?.value ?? []).map((v) => String(v.fullName).trim());
  const type = asStr(doc.type) ?? '';
  return {
    objectApiName,
    apiName: asStr(doc.fullName) ?? path.basename(file).replace(/\.field-meta\.xml$/, ''),
    label: asStr(doc.label) ?? '',
    type,
    // master-detail fields are always required, whatever the file says
    required: asBool(doc.required) || type === 'MasterDetail',
    externalId: asBool(doc.externalId),
    unique: asBool(doc.unique),
    referenceTo: asStr(doc.referenceTo),
    relationshipName: asStr(doc.relationshipName),
    picklistValues,
    length: asNum(doc.length),
    precision: asNum(doc.precision),
    scale: asNum(doc.scale),
    file
  };
}

/** Loads every object folder under force-app/main/default/objects. */
export function loadSchema(projectDir?: string): Schema {
  const { objects: objectsDir } = projectPaths(projectDir);
  const objects = new Map<string, ObjectDef>();
  const entries = fs.existsSync(objectsDir) ? fs.readdirSync(objectsDir, { withFileTypes: true }) : [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(objectsDir, entry.name);
    const objectFile = path.join(dir, `${entry.name}.object-meta.xml`);
    const custom = /__(c|mdt|e)$/.test(entry.name);
    const def: ObjectDef = { apiName: entry.name, custom, fields: new Map() };
    if (fs.existsSync(objectFile)) {
      const doc = (readMetadataXml(objectFile).CustomObject ?? {}) as Record<string, unknown>;
      def.label = asStr(doc.label);
      def.nameFieldType = asStr((doc.nameField as Record<string, unknown> | undefined)?.type);
      def.file = objectFile;
    }
    const fieldsDir = path.join(dir, 'fields');
    if (fs.existsSync(fieldsDir)) {
      for (const f of fs
        .readdirSync(fieldsDir)
        .filter((n) => n.endsWith('.field-meta.xml'))
        .sort()) {
        const field = parseField(entry.name, path.join(fieldsDir, f));
        def.fields.set(field.apiName, field);
      }
    }
    objects.set(entry.name, def);
  }
  return {
    objects,
    object(apiName) {
      const o = objects.get(apiName);
      if (!o) throw new InputError(`object ${apiName} is not defined in force-app`);
      return o;
    },
    field(objectApiName, fieldApiName) {
      const f = this.object(objectApiName).fields.get(fieldApiName);
      if (!f) throw new InputError(`field ${objectApiName}.${fieldApiName} is not defined in force-app`);
      return f;
    },
    hasField(objectApiName, fieldApiName) {
      return objects.get(objectApiName)?.fields.has(fieldApiName) ?? false;
    }
  };
}

/** The external ID field of an object (the one marked externalId and unique). */
export function externalIdField(schema: Schema, objectApiName: string): FieldDef {
  const candidates = [...schema.object(objectApiName).fields.values()].filter((f) => f.externalId && f.unique);
  if (candidates.length !== 1) {
    throw new InputError(
      `${objectApiName} must have exactly one unique external ID field, found ${candidates.length} in force-app`
    );
  }
  return candidates[0]!;
}
