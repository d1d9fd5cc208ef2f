/**
 * What the Metadata API requires of a CustomField document, checked offline. The source-format tooling
 * (SDR, `sf project convert`) accepts any <type> and any missing attribute; the org rejects them at deploy time,
 * long after the mistake was made. These rules bring that rejection forward.
 *
 * Types: Metadata API FieldType (developer.salesforce.com "Metadata Field Types", and the WSDL-derived
 * `FieldType` in @salesforce/types), minus values that are not creatable custom fields (Address, Array,
 * Integer, Long, the retired CustomDataType). Source format writes a geolocation field as `Location`.
 */
import type { Problem } from '../../lib/errors';
import { asArray, isTrue, lineOfElement, text, type XmlNode } from './xml';

export const CUSTOM_FIELD_TYPES = [
  'AutoNumber',
  'Checkbox',
  'Currency',
  'Date',
  'DateTime',
  'Email',
  'EncryptedText',
  'ExternalLookup',
  'File',
  'Hierarchy',
  'Html',
  'IndirectLookup',
  'Location',
  'LongTextArea',
  'Lookup',
  'MasterDetail',
  'MetadataRelationship',
  'MultiselectPicklist',
  'Number',
  'Percent',
  'Phone',
  'Picklist',
  'Summary',
  'Text',
  'TextArea',
  'Time',
  'Url'
];

/** Field types a custom metadata type (__mdt) may have (Salesforce Help, "Custom Metadata Type Fields"). */
export const CMDT_FIELD_TYPES = [
  'Checkbox',
  'Date',
  'DateTime',
  'Email',
  'LongTextArea',
  'MetadataRelationship',
  'Number',
  'Percent',
  'Phone',
  'Picklist',
  'Text',
  'TextArea',
  'Url'
];

/** Types the org accepts `externalId` on. */
const EXTERNAL_ID_TYPES = ['AutoNumber', 'Email', 'Number', 'Text'];

export interface FieldDocument {
  /** Problem.file of the field's file. */
  file: string;
  source: string;
  objectName: string;
  /** File name without .field-meta.xml. */
  fieldName: string;
  node: XmlNode;
}

/** The closest valid type for a typo (`Percentage` -> `Percent`, `checkbox` -> `Checkbox`). */
function suggestType(bad: string): string | undefined {
  const b = bad.toLowerCase();
  return (
    CUSTOM_FIELD_TYPES.find((t) => t.toLowerCase() === b) ??
    CUSTOM_FIELD_TYPES.find((t) => b.startsWith(t.toLowerCase()) || t.toLowerCase().startsWith(b))
  );
}

const intOf = (v: string | undefined) => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined);

/** Every rule a CustomField document of a custom field breaks. Standard fields (no __c) are not checked. */
export function checkCustomField(doc: FieldDocument): Problem[] {
  const { file, source, objectName, fieldName, node } = doc;
  if (!fieldName.endsWith('__c')) return [];
  const field = `${objectName}.${fieldName}`;
  const problems: Problem[] = [];
  const add = (message: string, tag = 'type') =>
    problems.push({ file, line: lineOfElement(source, tag) ?? lineOfElement(source, 'fullName'), field, message });

  const type = text(node, 'type');
  const formula = text(node, 'formula');
  if (!type) {
    add('has no <type>: the org cannot create a field without one', 'fullName');
    return problems;
  }
  if (!CUSTOM_FIELD_TYPES.includes(type)) {
    const hint = suggestType(type);
    add(
      `<type>${type}</type> is not a CustomField type${hint ? ` (did you mean ${hint}?)` : ''}; valid types: ${CUSTOM_FIELD_TYPES.join(', ')}`
    );
    return problems;
  }
  if (objectName.endsWith('__mdt') && !CMDT_FIELD_TYPES.includes(type)) {
    add(`custom metadata types cannot have ${type} fields; allowed: ${CMDT_FIELD_TYPES.join(', ')}`);
  }

  const length = intOf(text(node, 'length'));
  const needLength = (min: number, max: number) => {
    if (length === undefined) add(`a ${type} field needs <length> (${min}-${max})`);
    else if (length < min || length > max)
      add(`<length>${length}</length> is outside ${min}-${max} for a ${type} field`, 'length');
  };
  const needVisibleLines = () => {
    const lines = intOf(text(node, 'visibleLines'));
    if (lines === undefined || lines < 1) add(`a ${type} field needs <visibleLines> (a positive number)`);
  };

  switch (type) {
    case 'Text':
      if (!formula) needLength(1, 255);
      break;
    case 'EncryptedText':
      needLength(1, 175);
      break;
    case 'LongTextArea':
    case 'Html':
      needLength(256, 131072);
      needVisibleLines();
      break;
    case 'Number':
    case 'Percent':
    case 'Currency': {
      const precision = intOf(text(node, 'precision'));
      const scale = intOf(text(node, 'scale'));
      if (precision === undefined || scale === undefined) {
        add(`a ${type} field needs <precision> and <scale> (scale <= precision <= 18)`);
      } else if (precision < 1 || precision > 18 || scale < 0 || scale > precision) {
        add(
          `precision ${precision} / scale ${scale} is invalid: need 0 <= scale <= precision <= 18 and precision >= 1`,
          'precision'
        );
      }
      break;
    }
    case 'Lookup':
    case 'MasterDetail':
      if (!text(node, 'referenceTo')) add(`a ${type} field needs <referenceTo> (the parent object)`);
      if (!text(node, 'relationshipName'))
        add(`a ${type} field needs <relationshipName> (the child relationship name)`);
      else if (!/^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$/.test(text(node, 'relationshipName')!)) {
        add(
          `<relationshipName> "${text(node, 'relationshipName')}" must be letters, digits and single underscores`,
          'relationshipName'
        );
      }
      break;
    case 'MetadataRelationship':
      if (!text(node, 'referenceTo')) add('a MetadataRelationship field needs <referenceTo>');
      break;
    case 'Picklist':
    case 'MultiselectPicklist': {
      const valueSet = node.valueSet as XmlNode | undefined;
      const values = asArray((valueSet?.valueSetDefinition as XmlNode | undefined)?.value);
      if (!valueSet || (values.length === 0 && !text(valueSet, 'valueSetName'))) {
        add(`a ${type} field needs a <valueSet> with values (or a <valueSetName> of a global value set)`);
      }
      if (type === 'MultiselectPicklist') needVisibleLines();
      break;
    }
    case 'Summary':
      if (!text(node, 'summaryOperation')) add('a Summary (roll-up) field needs <summaryOperation>');
      if (!text(node, 'summaryForeignKey')) add('a Summary (roll-up) field needs <summaryForeignKey>');
      break;
    case 'AutoNumber':
      if (!text(node, 'displayFormat')) add('an AutoNumber field needs <displayFormat>');
      break;
    default:
      break;
  }
  if (isTrue(node, 'externalId') && !EXTERNAL_ID_TYPES.includes(type)) {
    add(`<externalId> is only allowed on ${EXTERNAL_ID_TYPES.join(', ')} fields, not ${type}`, 'externalId');
  }
  return problems;
}
