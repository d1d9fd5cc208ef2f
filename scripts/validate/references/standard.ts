/**
 * Standard fields and relationships, for SOQL: what a query may name on an object beyond force-app's custom
 * fields. Standard objects come from apex-ls's sobject-types jar (tools/sobjectTypes.ts), custom objects get the
 * fields every custom object has. An answer of `undefined` from `describe` means "not sure": the caller then
 * checks nothing standard, because a false alarm would block a deploy the org accepts. One gap stays: the jar
 * describes API 61.0 while the project is on a later version, so a standard field added since would be reported
 * (none is queried today); the message names object and field so a reader can tell a typo from a new field.
 */
import { nearestKey } from '../../policy/schema';
import type { SchemaIndex } from '../schemaIndex';
import type { SObjectCatalog, SObjectMember } from '../tools/sobjectTypes';

/**
 * Fields and lookups the platform adds to every custom object (`__c`). Owner is polymorphic (a user or a
 * queue), so it leads to the `Name` object like any polymorphic lookup. Fields a feature adds (CurrencyIsoCode
 * with multi-currency, LastActivityDate with activities, RecordTypeId, the Salesforce-to-Salesforce connection
 * ids) are listed as well: a query naming them is right in the orgs that have the feature, and nothing here can
 * say which org this is.
 */
const CUSTOM_OBJECT_MEMBERS: SObjectMember[] = [
  ...[
    'Id',
    'Name',
    'OwnerId',
    'CreatedDate',
    'CreatedById',
    'LastModifiedDate',
    'LastModifiedById',
    'SystemModstamp',
    'IsDeleted',
    'RecordTypeId',
    'CurrencyIsoCode',
    'LastActivityDate',
    'LastViewedDate',
    'LastReferencedDate',
    'UserRecordAccessId',
    'ConnectionReceivedId',
    'ConnectionSentId'
  ].map((name): SObjectMember => ({ name, kind: 'field' })),
  { name: 'Owner', kind: 'parent', target: 'Name' },
  { name: 'CreatedBy', kind: 'parent', target: 'User' },
  { name: 'LastModifiedBy', kind: 'parent', target: 'User' },
  { name: 'RecordType', kind: 'parent', target: 'RecordType' },
  { name: 'UserRecordAccess', kind: 'parent', target: 'UserRecordAccess' }
];

export interface ObjectView {
  /** the object's name as the jar or force-app spells it */
  name: string;
  /** lower-case name -> standard member */
  members: Map<string, SObjectMember>;
  /**
   * Whether a child relationship not listed is certainly wrong. Custom objects get standard child relationships
   * from the features enabled on them (Histories, Shares, Attachments, Tasks, Feeds...) that nothing here lists.
   */
  childrenKnown: boolean;
}

export class StandardObjects {
  private readonly byName = new Map<string, ObjectView>();
  private readonly customView: Map<string, SObjectMember>;

  constructor(
    catalog: SObjectCatalog,
    private readonly idx: SchemaIndex
  ) {
    for (const [name, members] of Object.entries(catalog)) {
      this.byName.set(name.toLowerCase(), {
        name,
        members: new Map(members.map((m) => [m.name.toLowerCase(), m])),
        childrenKnown: true
      });
    }
    this.customView = new Map(CUSTOM_OBJECT_MEMBERS.map((m) => [m.name.toLowerCase(), m]));
  }

  /**
   * The standard members of an object, or undefined when unsure: an object neither the jar nor force-app
   * defines (a feature newer than the jar, a typo reported elsewhere), custom metadata, platform events and
   * external objects, whose standard fields vary by kind and are not listed anywhere here.
   */
  describe(objectName: string): ObjectView | undefined {
    const known = this.byName.get(objectName.toLowerCase());
    if (known) return known;
    const custom = this.idx.object(objectName);
    if (custom && /__c$/i.test(custom.apiName)) {
      return { name: custom.apiName, members: this.customView, childrenKnown: false };
    }
    return undefined;
  }

  /** The valid name closest to a misspelt one among the object's members of the given kinds. */
  suggest(view: ObjectView, name: string, kinds: SObjectMember['kind'][]): string | undefined {
    const names = [...view.members.values()].filter((m) => kinds.includes(m.kind)).map((m) => m.name);
    return nearestKey(name, names);
  }
}

export const didYouMean = (near: string | undefined): string => (near ? ` (did you mean ${near}?)` : '');
