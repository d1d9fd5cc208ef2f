/**
 * Case-insensitive questions about force-app's schema (loadSchema), as Salesforce answers them: API names are
 * case-insensitive in Apex, SOQL, permission sets and imports, so `gtm_experiment__c` names the same object as
 * `GTM_Experiment__c`. Shared by the metadata cross-reference rules and the field-reference check.
 */
import type { FieldDef, ObjectDef, Schema } from '../metadata/schema';

/** A Salesforce custom name: `Foo__c`, `Foo__r`, `Foo__mdt`, `Foo__e` (not namespaced `ns__Foo__c`). */
export const CUSTOM_NAME = /\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*__(?:c|r|mdt|e)\b/g;

export const isCustomName = (name: string): boolean =>
  /^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*__(?:c|r|mdt|e)$/.test(name);

const RELATIONSHIP_TYPES = new Set([
  'Lookup',
  'MasterDetail',
  'Hierarchy',
  'MetadataRelationship',
  'ExternalLookup',
  'IndirectLookup'
]);

export class SchemaIndex {
  private readonly objects = new Map<string, ObjectDef>();
  private readonly fields = new Map<string, Map<string, FieldDef>>();
  /** Every object, field and relationship name, lower-cased: what "defined somewhere in force-app" means. */
  private readonly anywhere = new Set<string>();

  constructor(readonly schema: Schema) {
    for (const o of schema.objects.values()) {
      const key = o.apiName.toLowerCase();
      this.objects.set(key, o);
      this.anywhere.add(key);
      const byName = new Map<string, FieldDef>();
      for (const f of o.fields.values()) {
        byName.set(f.apiName.toLowerCase(), f);
        this.anywhere.add(f.apiName.toLowerCase());
        if (RELATIONSHIP_TYPES.has(f.type)) {
          // parent reference from the child (Rel__c -> Rel__r) and child relationship name for subqueries
          this.anywhere.add(f.apiName.toLowerCase().replace(/__c$/, '__r'));
          if (f.relationshipName) this.anywhere.add(`${f.relationshipName.toLowerCase()}__r`);
        }
      }
      this.fields.set(key, byName);
    }
  }

  object(name: string): ObjectDef | undefined {
    return this.objects.get(name.toLowerCase());
  }

  field(objectName: string, fieldName: string): FieldDef | undefined {
    return this.fields.get(objectName.toLowerCase())?.get(fieldName.toLowerCase());
  }

  /** True when force-app defines this custom name as an object, a field or a relationship. */
  definedAnywhere(name: string): boolean {
    return this.anywhere.has(name.toLowerCase());
  }

  /** `Rel__r` on `Child__c` -> the object the lookup `Rel__c` points to (undefined when it is not a lookup). */
  parentOf(objectName: string, relationship: string): string | undefined {
    const f = this.field(objectName, relationship.replace(/__r$/i, '__c'));
    return f && RELATIONSHIP_TYPES.has(f.type) ? f.referenceTo : undefined;
  }

  /** `Children__r` from `Parent` in a subquery -> the child object whose lookup to Parent has that name. */
  childOf(parentName: string, relationship: string): string | undefined {
    const rel = relationship.replace(/__r$/i, '').toLowerCase();
    for (const o of this.schema.objects.values()) {
      for (const f of o.fields.values()) {
        if (f.relationshipName?.toLowerCase() === rel && f.referenceTo?.toLowerCase() === parentName.toLowerCase()) {
          return o.apiName;
        }
      }
    }
    return undefined;
  }
}
