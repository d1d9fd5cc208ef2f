/**
 * Custom objects and fields referenced from Apex: inline SOQL, dynamic SOQL strings, `Obj__c.Field__c` /
 * `Schema.SObjectType.Obj__c.fields.Field__c` tokens, `new Obj__c(Field__c = ...)`, and `record.Field__c` when the
 * variable's declared type is in the same file. Works on the Apex lexer's tokens (no org, no Apex language
 * server: nothing current runs on Java 17), so it is a static approximation that errs on the side of silence.
 */
import { ApexLexer, ApexParserFactory } from '@apexdevtools/apex-parser';
import { isCustomName, type SchemaIndex } from '../schemaIndex';
import { resolvePath } from './resolve';
import { analyzeTokens, looksLikeSoql } from './soql';
import type { StandardObjects } from './standard';
import { isWord, tokenizeText, type Ref, type Tok } from './tokens';

export interface ApexTok extends Tok {
  type: number;
}

const OBJECTISH = /__(c|mdt|e)$/i;
/** Segments that only navigate describe information: `Schema.SObjectType.Obj__c.fields.Field__c` is Obj__c.Field__c. */
const DESCRIBE_WORDS = new Set(['schema', 'sobjecttype', 'fields']);
const DECLARATION_END = new Set([ApexLexer.ASSIGN, ApexLexer.SEMI, ApexLexer.COMMA, ApexLexer.RPAREN, ApexLexer.COLON]);

/** The Apex lexer's tokens on the default channel, `?.` read as `.`, 1-based columns. */
export function lex(source: string): ApexTok[] {
  const lexer = ApexParserFactory.createLexer(source);
  lexer.removeErrorListeners(); // syntax errors are apex-syntax's job; don't print them here
  return lexer
    .getAllTokens()
    .filter((t) => t.channel === 0)
    .map((t) => ({
      type: t.type === ApexLexer.QUESTIONDOT ? ApexLexer.DOT : t.type,
      text: t.type === ApexLexer.QUESTIONDOT ? '.' : t.text,
      line: t.line,
      column: t.column + 1
    }));
}

const isDot = (t: ApexTok | undefined) => t?.type === ApexLexer.DOT;

/** Variables declared with an SObject type (`Obj__c rec`, `for (Obj__c r : rows)`, parameters). */
function declaredTypes(toks: ApexTok[], idx: SchemaIndex): Map<string, string | null> {
  const vars = new Map<string, string | null>();
  for (let i = 0; i + 2 < toks.length; i++) {
    const type = toks[i]!;
    const name = toks[i + 1]!;
    if (!isWord(type) || isDot(toks[i - 1]) || name.type !== ApexLexer.Identifier) continue;
    if (!DECLARATION_END.has(toks[i + 2]!.type)) continue;
    const obj = idx.object(type.text)?.apiName ?? (OBJECTISH.test(type.text) ? type.text : undefined);
    if (!obj) continue;
    const key = name.text.toLowerCase();
    // the same name declared with two types in one file: scope is not tracked, so trust neither
    vars.set(key, vars.has(key) && vars.get(key) !== obj ? null : obj);
  }
  return vars;
}

function matching(toks: ApexTok[], open: number, openType: number, closeType: number): number {
  let depth = 0;
  for (let i = open; i < toks.length; i++) {
    if (toks[i]!.type === openType) depth++;
    else if (toks[i]!.type === closeType && --depth === 0) return i;
  }
  return toks.length - 1;
}

function stringRefs(t: ApexTok, idx: SchemaIndex, std?: StandardObjects): Ref[] {
  const content = t.text.slice(1, -1);
  // Apex strings cannot span lines, so an offset inside the literal is a column offset
  const toks = tokenizeText(content, 0, (offset) => ({ line: t.line, column: t.column + 1 + offset }));
  return analyzeTokens(toks, idx, looksLikeSoql(toks) ? 'soql' : 'text', undefined, std);
}

/** With `std`, SOQL is also checked for standard fields, relationship paths and child relationships. */
export function apexReferences(source: string, idx: SchemaIndex, std?: StandardObjects): Ref[] {
  const toks = lex(source);
  const vars = declaredTypes(toks, idx);
  const consumed = new Set<number>();
  const refs: Ref[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (
      t.type === ApexLexer.LBRACK &&
      (toks[i + 1]?.type === ApexLexer.SELECT || toks[i + 1]?.type === ApexLexer.FIND)
    ) {
      const end = matching(toks, i, ApexLexer.LBRACK, ApexLexer.RBRACK);
      // string values inside the query are data, not names: each becomes an empty SOQL string
      const query = toks.slice(i + 1, end).map((q) => (q.type === ApexLexer.StringLiteral ? { ...q, text: "''" } : q));
      refs.push(...analyzeTokens(query, idx, 'soql', undefined, std));
      i = end;
      continue;
    }
    if (t.type === ApexLexer.StringLiteral) {
      refs.push(...stringRefs(t, idx, std));
      continue;
    }
    if (t.type === ApexLexer.NEW && isWord(toks[i + 1]) && toks[i + 2]?.type === ApexLexer.LPAREN) {
      const type = toks[i + 1]!.text;
      const obj = idx.object(type)?.apiName;
      if (obj || OBJECTISH.test(type)) {
        // new Obj__c(Field__c = value, ...): the names before `=` at the top level are fields of Obj__c
        const end = matching(toks, i + 2, ApexLexer.LPAREN, ApexLexer.RPAREN);
        let depth = 0;
        for (let j = i + 2; j < end; j++) {
          const k = toks[j]!;
          if (k.type === ApexLexer.LPAREN) depth++;
          else if (k.type === ApexLexer.RPAREN) depth--;
          else if (depth === 1 && isWord(k) && toks[j + 1]?.type === ApexLexer.ASSIGN && !isDot(toks[j - 1])) {
            // an unknown type is reported at the type; its fields can then only be checked for existence
            refs.push(...resolvePath(idx, obj, [k], 'field'));
            consumed.add(j);
          }
        }
      }
      continue;
    }
    if (!isWord(t) || consumed.has(i)) continue;
    const afterDot = isDot(toks[i - 1]);
    const segs: Tok[] = [t];
    while (isDot(toks[i + 1]) && isWord(toks[i + 2])) {
      segs.push(toks[i + 2]!);
      i += 2;
    }
    const path = segs.filter((s, n) => {
      const w = s.text.toLowerCase();
      return !(DESCRIBE_WORDS.has(w) && (w !== 'schema' || n === 0));
    });
    if (!path.some((s) => isCustomName(s.text))) continue;
    const head = path[0]!;
    const varType = afterDot ? undefined : vars.get(head.text.toLowerCase());
    if (varType && idx.object(varType)) {
      refs.push(...resolvePath(idx, idx.object(varType)!.apiName, path.slice(1), 'field'));
    } else if (varType !== undefined) {
      refs.push(...resolvePath(idx, undefined, path.slice(1), 'field'));
    } else if (afterDot) {
      refs.push(...resolvePath(idx, undefined, path, 'field'));
    } else {
      refs.push(...resolvePath(idx, undefined, path, OBJECTISH.test(head.text) ? 'object' : 'object-if-known'));
    }
  }
  return refs;
}
