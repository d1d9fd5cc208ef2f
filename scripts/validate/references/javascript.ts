/**
 * Custom objects and fields referenced from JavaScript and TypeScript (LWC components, the gtm tooling) and
 * from LWC templates. Uses the TypeScript parser so only real string literals count: comments, regexes and
 * identifiers are not names the org has to know.
 *  - `import X from '@salesforce/schema/Obj__c.Rel__r.Field__c'` resolves along the path, standard names
 *    included (`Account.Owner.Name`);
 *  - a string literal is read like an Apex string: `Obj__c.Field__c` must be a field of Obj__c, a bare
 *    `Field__c` / `Obj__c` / `Obj__mdt` must exist somewhere in force-app, and query strings resolve from FROM.
 */
import * as ts from 'typescript';
import type { SchemaIndex } from '../schemaIndex';
import { resolvePath } from './resolve';
import { analyzeTokens, looksLikeSoql } from './soql';
import type { StandardObjects } from './standard';
import { makeLocator, tokenizeText, type Ref } from './tokens';

const SCHEMA_MODULE = '@salesforce/schema/';

/** With `std`, query strings are also checked for standard fields, relationship paths and child relationships. */
export function scriptReferences(source: string, fileName: string, idx: SchemaIndex, std?: StandardObjects): Ref[] {
  const kind = /\.[cm]?ts$/.test(fileName) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, kind);
  const locate = makeLocator(source);
  const refs: Ref[] = [];

  const literal = (value: string, start: number) => {
    const toks = tokenizeText(value, start, locate);
    refs.push(...analyzeTokens(toks, idx, looksLikeSoql(toks) ? 'soql' : 'text', undefined, std));
  };

  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const spec = node.moduleSpecifier;
      if (ts.isStringLiteral(spec) && spec.text.startsWith(SCHEMA_MODULE)) {
        const start = spec.getStart(sf) + 1 + SCHEMA_MODULE.length;
        const segs = tokenizeText(spec.text.slice(SCHEMA_MODULE.length), start, locate).filter((t) => t.text !== '.');
        // a schema import is resolved at deploy like a query path: standard names are checked too
        refs.push(...resolvePath(idx, undefined, segs, 'object', std));
      }
      return; // other module names are not Salesforce names
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      literal(node.text, node.getStart(sf) + 1);
    } else if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      literal(node.text, node.getStart(sf) + 1);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** LWC templates: names in attribute values and text (e.g. `field-name="Field__c"`) must exist. */
export function templateReferences(source: string, idx: SchemaIndex): Ref[] {
  const withoutComments = source.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, ' '));
  return analyzeTokens(tokenizeText(withoutComments, 0, makeLocator(source)), idx, 'text');
}
