/**
 * Reading Salesforce metadata XML for the checks: one lenient parser (well-formedness is judged separately by
 * XMLValidator, so a broken file is reported once, not by every rule), helpers for the one-or-many shape
 * fast-xml-parser gives repeated elements, and line lookup so a problem can point at the offending tag.
 */
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';

export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** The document as nested objects; text nodes are strings. */
export function parseXml(text: string): XmlNode {
  return parser.parse(text) as XmlNode;
}

/** Repeated elements come back as an array, a single one as the element itself, an absent one as undefined. */
export function asArray<T = XmlNode>(v: unknown): T[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

/** A child element's text, trimmed; undefined when absent or not a text element. */
export function text(node: unknown, key: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const v = (node as XmlNode)[key];
  if (v === undefined || v === null || typeof v === 'object') return undefined;
  return String(v).trim();
}

export const isTrue = (node: unknown, key: string): boolean => text(node, key) === 'true';

/** The root element's name and content (skipping the <?xml?> declaration). */
export function rootOf(doc: XmlNode): { name: string; node: XmlNode } | undefined {
  const name = Object.keys(doc).find((k) => !k.startsWith('?'));
  if (!name) return undefined;
  const node = doc[name];
  return { name, node: node && typeof node === 'object' ? (node as XmlNode) : {} };
}

/** `Foo__c` for `Foo__c.field-meta.xml`, `Bar` for `Bar.permissionset-meta.xml`: the name the file declares. */
export function metadataStem(file: string): string {
  return path
    .basename(file)
    .replace(/\.[^.]+-meta\.xml$/, '')
    .replace(/\.xml$/, '');
}

/** 1-based line of the first occurrence of `needle` (string or regex) in the text, if any. */
export function lineOf(source: string, needle: string | RegExp): number | undefined {
  const idx = typeof needle === 'string' ? source.indexOf(needle) : source.search(needle);
  if (idx < 0) return undefined;
  let line = 1;
  for (let i = 0; i < idx; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/** Line of `<tag>value</tag>`, tolerating whitespace inside the element. */
export function lineOfElement(source: string, tag: string, value?: string): number | undefined {
  const v = value === undefined ? '[^<]*' : `\\s*${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*`;
  return lineOf(source, new RegExp(`<${tag}>${v}</${tag}>`));
}
