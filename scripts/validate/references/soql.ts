/**
 * References inside a query or a piece of text. In a SOQL query (Apex brackets, or a dynamic query string)
 * paths resolve from the FROM object, subqueries from their child relationship; outside a query each dotted
 * path stands alone (`Obj__c.Field__c`, or a bare `Field__c` that must exist somewhere).
 */
import { isCustomName, type SchemaIndex } from '../schemaIndex';
import { resolvePath } from './resolve';
import { isWord, type Ref, type Tok } from './tokens';

/** Words that end a FROM clause, so the word after the object is an alias only if it is none of these. */
const AFTER_FROM = new Set([
  'where',
  'with',
  'order',
  'group',
  'limit',
  'offset',
  'for',
  'using',
  'having',
  'all',
  'update'
]);

const lower = (t: Tok | undefined) => t?.text.toLowerCase();

/** Index of the `)` closing the `(` at `open`, or the last token. */
function closing(tokens: Tok[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) return i;
  }
  return tokens.length - 1;
}

/** True when the text reads as SOQL: a SELECT, or a dynamic-query fragment starting with FROM. */
export function looksLikeSoql(tokens: Tok[]): boolean {
  return tokens.some((t) => lower(t) === 'select') || lower(tokens[0]) === 'from';
}

/**
 * Checks every dotted path among the tokens. `mode` says whether FROM clauses mean anything; `parent` is the
 * outer query's object when these tokens are a subquery.
 */
export function analyzeTokens(tokens: Tok[], idx: SchemaIndex, mode: 'soql' | 'text', parent?: string): Ref[] {
  const refs: Ref[] = [];
  const skip = new Set<number>();
  let fromObject: string | undefined;
  let fromName: string | undefined;
  let alias: string | undefined;

  if (mode === 'soql') {
    let depth = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
      else if (depth === 0 && lower(t) === 'from' && isWord(tokens[i + 1])) {
        const objTok = tokens[i + 1]!;
        fromName = objTok.text;
        skip.add(i + 1);
        const next = tokens[i + 2];
        if (isWord(next) && !AFTER_FROM.has(next.text.toLowerCase())) {
          alias = next.text;
          skip.add(i + 2);
        }
        const known = idx.object(fromName);
        if (known) fromObject = known.apiName;
        else if (parent && /__r$/i.test(fromName)) {
          fromObject = idx.childOf(parent, fromName);
          if (!fromObject) {
            refs.push({
              ...objTok,
              name: `${parent}.${fromName}`,
              message: `child relationship ${fromName} of ${parent} is not defined in force-app`
            });
          }
        } else if (parent && idx.childOf(parent, fromName)) {
          // a custom child relationship is always written with __r in SOQL: `FROM Criteria` is rejected
          refs.push({
            ...objTok,
            name: `${parent}.${fromName}`,
            message: `child relationship ${fromName} of ${parent} must be written ${fromName}__r in SOQL`
          });
        } else if (/__(c|mdt|e)$/i.test(fromName)) {
          refs.push({ ...objTok, name: fromName, message: `object ${fromName} is not defined in force-app` });
        } else if (!parent) {
          fromObject = fromName; // a standard object force-app does not describe: custom fields on it are missing
        }
        break;
      }
    }
  }

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (mode === 'soql' && t.text === '(' && lower(tokens[i + 1]) === 'select') {
      const end = closing(tokens, i);
      refs.push(...analyzeTokens(tokens.slice(i + 1, end), idx, 'soql', fromObject));
      i = end;
      continue;
    }
    if (mode === 'soql' && t.text === ':') {
      // a bind expression is Apex, not SOQL: skip its path
      while (isWord(tokens[i + 1]) || tokens[i + 1]?.text === '.') i++;
      continue;
    }
    if (!isWord(t) || skip.has(i) || tokens[i - 1]?.text === '.') continue;
    const segs: Tok[] = [t];
    while (tokens[i + 1]?.text === '.' && isWord(tokens[i + 2])) {
      segs.push(tokens[i + 2]!);
      i += 2;
    }
    if (!segs.some((s) => isCustomName(s.text))) continue;
    if (fromName !== undefined) {
      const head = segs[0]!.text.toLowerCase();
      if (segs.length > 1 && (head === alias?.toLowerCase() || head === fromName.toLowerCase())) segs.shift();
      // in a query a path goes through a lookup by its relationship name: Scorecard__r.Status__c, never Scorecard__c.X
      const through = segs.slice(0, -1).find((seg) => /__c$/i.test(seg.text));
      if (mode === 'soql' && through) {
        const rel = through.text.replace(/__c$/i, '__r');
        refs.push({
          ...through,
          name: through.text,
          message: `${through.text} in a query path must be written ${rel}`
        });
        continue;
      }
      refs.push(...resolvePath(idx, fromObject, segs, 'field'));
    } else {
      refs.push(...resolvePath(idx, undefined, segs, 'object-if-known'));
    }
  }
  return refs;
}
