/**
 * References inside a query or a piece of text. In a SOQL query (Apex brackets, or a dynamic query string)
 * paths resolve from the FROM object, subqueries from their child relationship; outside a query each dotted
 * path stands alone (`Obj__c.Field__c`, or a bare `Field__c` that must exist somewhere).
 */
import { isCustomName, type SchemaIndex } from '../schemaIndex';
import { resolvePath } from './resolve';
import { didYouMean, type StandardObjects } from './standard';
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

/** SOQL words that are not field names: operators, clause words, literals, scopes, FIELDS() arguments. */
const SOQL_WORDS = new Set([
  ...['select', 'from', 'where', 'and', 'or', 'not', 'in', 'like', 'includes', 'excludes', 'null', 'true', 'false'],
  ...['order', 'by', 'asc', 'desc', 'nulls', 'first', 'last', 'group', 'rollup', 'cube', 'having', 'limit'],
  ...['offset', 'with', 'for', 'update', 'view', 'reference', 'using', 'scope', 'typeof', 'when', 'then', 'else'],
  ...['end', 'all', 'standard', 'custom', 'today', 'yesterday', 'tomorrow']
]);
/** Date literals (`LAST_N_DAYS:30`, `THIS_FISCAL_QUARTER`, `N_DAYS_AGO:3`) and currency literals (`USD5000`). */
const LITERAL_WORD = /^(?:(?:last|next|this)_\w+|n_\w+_ago|[a-z]{3}\d[\d.]*)$/i;
/** Clauses whose words are never fields of the object: `WITH USER_MODE`, `USING SCOPE Mine`, `FOR VIEW`... */
const OPAQUE_CLAUSES = new Set(['with', 'using', 'for', 'limit', 'offset']);
const CLAUSE_STARTS = new Set(['where', 'with', 'order', 'group', 'having', 'limit', 'offset', 'for', 'using']);

/**
 * Token positions in a query where a word is not a field path of the FROM object, so a standard name there is
 * not checked: SOQL words, function names, aliases (after `)` or after a field), words inside a string value,
 * after a number (`2024-01-01T00:00:00Z`), inside TYPEOF ... END (its fields belong to the WHEN types) and in
 * opaque clauses. Custom names keep their own checks everywhere.
 */
function notFieldPositions(tokens: Tok[]): Set<number> {
  const out = new Set<number>();
  let quotes = 0;
  let opaque = false;
  let typeofDepth = 0;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const w = t.text.toLowerCase();
    if (t.text === "'") quotes++;
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    if (!isWord(t)) continue;
    if (depth === 0 && CLAUSE_STARTS.has(w)) opaque = OPAQUE_CLAUSES.has(w);
    if (w === 'typeof') typeofDepth++;
    const prev = tokens[i - 1];
    if (
      quotes % 2 === 1 ||
      opaque ||
      typeofDepth > 0 ||
      SOQL_WORDS.has(w) ||
      LITERAL_WORD.test(t.text) ||
      tokens[i + 1]?.text === '(' ||
      (prev !== undefined && (prev.text === ')' || /^\d/.test(prev.text))) ||
      (isWord(prev) && !SOQL_WORDS.has(prev.text.toLowerCase()))
    ) {
      out.add(i);
    }
    if (w === 'end' && typeofDepth > 0) typeofDepth--;
  }
  return out;
}

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
 * outer query's object when these tokens are a child-relationship subquery (in the SELECT list; a subquery in
 * WHERE is a semi-join and names an object). With `std`, standard fields, relationship paths and child
 * relationships of objects whose standard members are known are checked too.
 */
export function analyzeTokens(
  tokens: Tok[],
  idx: SchemaIndex,
  mode: 'soql' | 'text',
  parent?: string,
  std?: StandardObjects
): Ref[] {
  const refs: Ref[] = [];
  const skip = new Set<number>();
  let fromObject: string | undefined;
  let fromName: string | undefined;
  let alias: string | undefined;
  let fromIndex = tokens.length;

  if (mode === 'soql') {
    let depth = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
      else if (depth === 0 && lower(t) === 'from' && isWord(tokens[i + 1])) {
        const objTok = tokens[i + 1]!;
        fromName = objTok.text;
        fromIndex = i;
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
        } else if (parent && std?.describe(parent)) {
          const view = std.describe(parent)!;
          const child = view.members.get(fromName.toLowerCase());
          if (child?.kind === 'children') fromObject = idx.object(child.target!)?.apiName ?? child.target;
          else if (view.childrenKnown) {
            const near = std.suggest(view, fromName, ['children']);
            refs.push({
              ...objTok,
              name: `${view.name}.${fromName}`,
              message: `child relationship ${fromName} of ${view.name} does not exist${didYouMean(near)}`
            });
          }
        } else if (/__(c|mdt|e)$/i.test(fromName)) {
          refs.push({ ...objTok, name: fromName, message: `object ${fromName} is not defined in force-app` });
        } else if (!parent) {
          fromObject = fromName; // a standard object force-app does not describe: custom fields on it are missing
        }
        break;
      }
    }
  }

  // standard names are judged only in a query over a known object, and only where a field can stand
  const judgeStandard = std !== undefined && mode === 'soql' && fromObject !== undefined;
  const notField = judgeStandard ? notFieldPositions(tokens) : new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (mode === 'soql' && t.text === '(' && lower(tokens[i + 1]) === 'select') {
      const end = closing(tokens, i);
      // before FROM: a child relationship of this object; after it: a semi-join over an object of its own
      const subParent = i < fromIndex ? fromObject : undefined;
      refs.push(...analyzeTokens(tokens.slice(i + 1, end), idx, 'soql', subParent, std));
      i = end;
      continue;
    }
    if (mode === 'soql' && t.text === ':') {
      // a bind expression is Apex, not SOQL: skip its path and any call arguments (`:String.valueOf(x)`)
      while (isWord(tokens[i + 1]) || tokens[i + 1]?.text === '.' || tokens[i + 1]?.text === '(') {
        i = tokens[i + 1]!.text === '(' ? closing(tokens, i + 1) : i + 1;
      }
      continue;
    }
    if (!isWord(t) || skip.has(i) || tokens[i - 1]?.text === '.') continue;
    const standardHere = judgeStandard && !notField.has(i);
    const segs: Tok[] = [t];
    while (tokens[i + 1]?.text === '.' && isWord(tokens[i + 2])) {
      segs.push(tokens[i + 2]!);
      i += 2;
    }
    if (!standardHere && !segs.some((s) => isCustomName(s.text))) continue;
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
      refs.push(...resolvePath(idx, fromObject, segs, 'field', standardHere ? std : undefined));
    } else {
      refs.push(...resolvePath(idx, undefined, segs, 'object-if-known'));
    }
  }
  return refs;
}
