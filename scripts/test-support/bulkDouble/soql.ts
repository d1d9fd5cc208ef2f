/**
 * A tiny SOQL subset for the double's REST and Bulk query endpoints: enough for a sync to read back what it wrote.
 *
 *   SELECT f1, f2, Parent__r.Key__c FROM Obj [WHERE cond [AND cond]...] [ORDER BY f [ASC|DESC]] [LIMIT n]
 *   SELECT COUNT() FROM Obj [WHERE ...]
 *   cond := field = value | field != value | field IN (value, ...) | field NOT IN (value, ...)
 *   value := 'text' | number | true | false | null
 *
 * Anything else is a MALFORMED_QUERY, which is what a test wants to hear about rather than a silent wrong answer.
 */
import { getField, type FieldValue, type RelationshipSpec, type RecordStore, type SObjectRecord } from './store';

export type Literal = string | number | boolean | null;
export interface Condition {
  field: string;
  op: '=' | '!=' | 'IN' | 'NOT IN';
  values: Literal[];
}
export interface SoqlQuery {
  object: string;
  /** Empty for COUNT(). */
  fields: string[];
  count: boolean;
  where: Condition[];
  orderBy?: { field: string; desc: boolean };
  limit?: number;
}

export class SoqlError extends Error {
  constructor(
    message: string,
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' = 'MALFORMED_QUERY'
  ) {
    super(message);
  }
}

type Token = { t: 'word'; v: string } | { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'sym'; v: string };

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_][\w.]*(?:\(\))?)|(!=|<>|[=(),]))/y;
  let pos = 0;
  while (pos < soql.length) {
    if (/^\s*$/.test(soql.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(soql);
    if (!m) throw new SoqlError(`unexpected token at position ${pos}: ${soql.slice(pos, pos + 20)}`);
    pos = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ t: 'str', v: m[1].replace(/\\(.)/g, '$1') });
    else if (m[2] !== undefined) tokens.push({ t: 'num', v: Number(m[2]) });
    else if (m[3] !== undefined) tokens.push({ t: 'word', v: m[3] });
    else if (m[4] !== undefined) tokens.push({ t: 'sym', v: m[4] === '<>' ? '!=' : m[4] });
  }
  return tokens;
}

export function parseSoql(soql: string): SoqlQuery {
  const tokens = tokenize(soql);
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const isWord = (w: string): boolean => {
    const t = peek();
    return t?.t === 'word' && t.v.toUpperCase() === w;
  };
  const expectWord = (w: string): void => {
    if (!isWord(w)) throw new SoqlError(`expected ${w} in: ${soql}`);
    i++;
  };
  const ident = (): string => {
    const t = tokens[i++];
    if (t?.t !== 'word') throw new SoqlError(`expected a field or object name in: ${soql}`);
    return t.v;
  };
  const sym = (s: string): boolean => {
    const t = peek();
    if (t?.t === 'sym' && t.v === s) {
      i++;
      return true;
    }
    return false;
  };
  const literal = (): Literal => {
    const t = tokens[i++];
    if (t?.t === 'str' || t?.t === 'num') return t.v;
    if (t?.t === 'word' && /^(true|false)$/i.test(t.v)) return t.v.toLowerCase() === 'true';
    if (t?.t === 'word' && /^null$/i.test(t.v)) return null;
    throw new SoqlError(`expected a value in: ${soql}`);
  };

  expectWord('SELECT');
  const fields: string[] = [];
  let count = false;
  if (isWord('COUNT()')) {
    count = true;
    i++;
  } else {
    do fields.push(ident());
    while (sym(','));
  }
  expectWord('FROM');
  const object = ident();
  const where: Condition[] = [];
  if (isWord('WHERE')) {
    i++;
    for (;;) {
      const field = ident();
      if (sym('=')) where.push({ field, op: '=', values: [literal()] });
      else if (sym('!=')) where.push({ field, op: '!=', values: [literal()] });
      else {
        let op: Condition['op'] = 'IN';
        if (isWord('NOT')) {
          i++;
          op = 'NOT IN';
        }
        expectWord('IN');
        if (!sym('(')) throw new SoqlError(`expected ( after IN in: ${soql}`);
        const values: Literal[] = [];
        do values.push(literal());
        while (sym(','));
        if (!sym(')')) throw new SoqlError(`expected ) in: ${soql}`);
        where.push({ field, op, values });
      }
      if (!isWord('AND')) break;
      i++;
    }
  }
  let orderBy: SoqlQuery['orderBy'];
  if (isWord('ORDER')) {
    i++;
    expectWord('BY');
    const field = ident();
    const desc = isWord('DESC');
    if (desc || isWord('ASC')) i++;
    orderBy = { field, desc };
  }
  let limit: number | undefined;
  if (isWord('LIMIT')) {
    i++;
    const n = literal();
    if (typeof n !== 'number') throw new SoqlError(`LIMIT needs a number in: ${soql}`);
    limit = n;
  }
  if (i < tokens.length) throw new SoqlError(`unexpected text after the query: ${soql}`);
  return { object, fields, count, where, orderBy, limit };
}

/** A field path resolved for one record: a plain field, or one hop up a relationship (`Parent__r.Field`). */
export function resolvePath(
  store: RecordStore,
  relationship: (object: string, name: string) => RelationshipSpec,
  object: string,
  record: SObjectRecord,
  path: string
): { value: FieldValue; parent?: { object: string; record: SObjectRecord | undefined; field: string } } {
  const dot = path.indexOf('.');
  if (dot < 0) return { value: getField(record, path) ?? null };
  const rel = relationship(object, path.slice(0, dot));
  const parentId = getField(record, rel.field);
  const parent = typeof parentId === 'string' ? store.get(rel.parent, parentId) : undefined;
  const field = path.slice(dot + 1);
  return {
    value: parent ? (getField(parent, field) ?? null) : null,
    parent: { object: store.objectName(rel.parent), record: parent, field }
  };
}

function matches(value: FieldValue, literal: Literal): boolean {
  if (literal === null) return value === null || value === undefined;
  if (value === null || value === undefined) return false;
  if (typeof literal === 'number') return Number(value) === literal;
  if (typeof literal === 'boolean') return String(value).toLowerCase() === String(literal);
  return String(value) === literal;
}

/** Runs the query over the store and returns the matching records in order. */
export function runSoql(
  store: RecordStore,
  relationship: (object: string, name: string) => RelationshipSpec,
  q: SoqlQuery
): SObjectRecord[] {
  const value = (r: SObjectRecord, path: string): FieldValue =>
    resolvePath(store, relationship, q.object, r, path).value;
  let rows = store.all(q.object).filter((r) =>
    q.where.every((c) => {
      const v = value(r, c.field);
      const any = c.values.some((l) => matches(v, l));
      return c.op === '=' || c.op === 'IN' ? any : !any;
    })
  );
  if (q.orderBy) {
    const { field, desc } = q.orderBy;
    rows = [...rows].sort((a, b) => {
      const x = value(a, field);
      const y = value(b, field);
      // nulls first ascending, as SOQL does by default
      const cmp =
        x === y ? 0 : x === null ? -1 : y === null ? 1 : String(x).localeCompare(String(y), 'en', { numeric: true });
      return desc ? -cmp : cmp;
    });
  }
  return q.limit === undefined ? rows : rows.slice(0, q.limit);
}
