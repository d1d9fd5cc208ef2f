/**
 * SchemaVer (MODEL-REVISION-ADDITION) for the tracking plan: what kind of change one event schema is from another,
 * and what kind of bump one version is from another. A removed property, a type change or an optional property made
 * required (or a new required one) breaks every sender: MODEL. A narrowed enum, a new or changed pattern or a
 * tighter bound rejects data that passed before: REVISION. A new optional property, a wider enum or a looser bound
 * accepts everything that passed before: ADDITION.
 */
import { parseSchemaVer, type JsonSchema, type PropertySchema } from './plan';

export type Bump = 'MODEL' | 'REVISION' | 'ADDITION';
const RANK: Record<Bump, number> = { ADDITION: 1, REVISION: 2, MODEL: 3 };

export interface SchemaChange {
  bump: Bump;
  what: string;
}

const types = (p: PropertySchema) => [p.type ?? []].flat().sort().join('|');
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every change from `before` to `after`, each with the bump it needs. */
export function schemaChanges(before: JsonSchema, after: JsonSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const was = before.properties ?? {};
  const now = after.properties ?? {};
  const wasRequired = new Set(before.required ?? []);
  const nowRequired = new Set(after.required ?? []);
  for (const name of Object.keys(was)) {
    if (!(name in now)) changes.push({ bump: 'MODEL', what: `property ${name} removed` });
  }
  for (const [name, p] of Object.entries(now)) {
    const old = was[name];
    if (!old) {
      changes.push(
        nowRequired.has(name)
          ? { bump: 'MODEL', what: `required property ${name} added` }
          : { bump: 'ADDITION', what: `optional property ${name} added` }
      );
      continue;
    }
    if (types(old) !== types(p))
      changes.push({ bump: 'MODEL', what: `property ${name}: type ${types(old)} -> ${types(p)}` });
    if (!wasRequired.has(name) && nowRequired.has(name))
      changes.push({ bump: 'MODEL', what: `property ${name}: optional -> required` });
    if (wasRequired.has(name) && !nowRequired.has(name))
      changes.push({ bump: 'ADDITION', what: `property ${name}: required -> optional` });
    if (old.enum && p.enum) {
      const removed = old.enum.filter((v) => !p.enum!.some((w) => same(v, w)));
      const added = p.enum.filter((v) => !old.enum!.some((w) => same(v, w)));
      if (removed.length)
        changes.push({
          bump: 'REVISION',
          what: `property ${name}: enum narrowed (${removed.join(', ')} no longer allowed)`
        });
      if (added.length)
        changes.push({ bump: 'ADDITION', what: `property ${name}: enum widened (${added.join(', ')})` });
    } else if (p.enum) {
      changes.push({ bump: 'REVISION', what: `property ${name}: enum added` });
    } else if (old.enum) {
      changes.push({ bump: 'ADDITION', what: `property ${name}: enum dropped` });
    }
    if (old.pattern !== p.pattern) {
      changes.push(
        p.pattern === undefined
          ? { bump: 'ADDITION', what: `property ${name}: pattern dropped` }
          : { bump: 'REVISION', what: `property ${name}: pattern ${old.pattern === undefined ? 'added' : 'changed'}` }
      );
    }
    for (const [key, tighter] of [
      ['maxLength', (a: number, b: number) => b < a],
      ['maximum', (a: number, b: number) => b < a],
      ['minLength', (a: number, b: number) => b > a],
      ['minimum', (a: number, b: number) => b > a]
    ] as const) {
      const a = old[key] as number | undefined;
      const b = p[key] as number | undefined;
      if (a === b) continue;
      const narrowed = a === undefined || (b !== undefined && tighter(a, b));
      changes.push({
        bump: narrowed ? 'REVISION' : 'ADDITION',
        what: `property ${name}: ${key} ${a ?? '-'} -> ${b ?? '-'}`
      });
    }
  }
  if (before.additionalProperties !== after.additionalProperties) {
    changes.push(
      after.additionalProperties === false
        ? { bump: 'REVISION', what: 'additional properties no longer allowed' }
        : { bump: 'ADDITION', what: 'additional properties allowed' }
    );
  }
  return changes;
}

/** The bump a set of changes needs (the largest), or undefined when nothing that validates changed. */
export function requiredBump(changes: readonly SchemaChange[]): Bump | undefined {
  let best: Bump | undefined;
  for (const c of changes) if (!best || RANK[c.bump] > RANK[best]) best = c.bump;
  return best;
}

/**
 * The bump from version `from` to `to`: MODEL a+1-0-0, REVISION a-b+1-0, ADDITION a-b-c+1; undefined for anything
 * else (a skipped number, no reset of the lower parts, going back).
 */
export function declaredBump(from: string, to: string): Bump | undefined {
  const a = parseSchemaVer(from);
  const b = parseSchemaVer(to);
  if (!a || !b) return undefined;
  if (b[0] === a[0] + 1 && b[1] === 0 && b[2] === 0) return 'MODEL';
  if (b[0] === a[0] && b[1] === a[1] + 1 && b[2] === 0) return 'REVISION';
  if (b[0] === a[0] && b[1] === a[1] && b[2] === a[2] + 1) return 'ADDITION';
  return undefined;
}

/** The version `from` becomes with `bump`. */
export function bumped(from: string, bump: Bump): string {
  const [m, r, a] = parseSchemaVer(from) ?? [1, 0, 0];
  return bump === 'MODEL' ? `${m + 1}-0-0` : bump === 'REVISION' ? `${m}-${r + 1}-0` : `${m}-${r}-${a + 1}`;
}
