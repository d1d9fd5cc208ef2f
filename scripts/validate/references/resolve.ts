/**
 * Resolving a dotted reference (`Rel__r.Parent_Field__c`, `Obj__c.Field__c`) against force-app's schema, the
 * way SOQL and Apex do: `__r` hops from a lookup to its parent object, the last `__c` must be a field of the
 * object reached. When the starting object is unknown (a variable of unknown type, a standard relationship),
 * the custom names must at least exist somewhere in force-app.
 */
import { isCustomName, type SchemaIndex } from '../schemaIndex';
import { didYouMean, type StandardObjects } from './standard';
import type { Ref, Tok } from './tokens';

/** Standard relationships whose target is fixed, so a path through them can still be checked. */
const STANDARD_RELATIONSHIPS: Record<string, string> = { owner: 'User', createdby: 'User', lastmodifiedby: 'User' };

const ref = (t: Tok, name: string, message: string): Ref => ({ line: t.line, column: t.column, name, message });

/** Whether the first segment names an object: always (Apex type position, schema import), if force-app knows it, or never. */
export type FirstSegment = 'object' | 'object-if-known' | 'field';

/**
 * A standard name in a query path, judged against the standard members of `current`: the next object for a
 * relationship, 'end' when nothing after it can be checked, a problem when the name does not exist, or
 * 'unsure' when the object's standard members are not known.
 */
function standardSegment(
  std: StandardObjects,
  current: string,
  seg: Tok,
  last: boolean
): { next: string } | 'end' | 'unsure' | Ref {
  const view = std.describe(current);
  if (!view) return 'unsure';
  const member = view.members.get(seg.text.toLowerCase());
  if (!member) {
    const kinds: ('field' | 'parent')[] = last ? ['field', 'parent'] : ['parent'];
    const what = last ? 'field' : 'relationship';
    // a polymorphic lookup (What, Who, a queue-owned Owner) leads to the Name object, whatever the record's type
    const hint =
      view.name === 'Name' ? "; a polymorphic lookup has only the Name object's fields, TYPEOF reaches the others" : '';
    return ref(
      seg,
      `${view.name}.${seg.text}`,
      `${what} ${view.name}.${seg.text} does not exist${didYouMean(std.suggest(view, seg.text, kinds))}${hint}`
    );
  }
  if (last || member.kind === 'children') return 'end'; // a child relationship is a list: no path goes through it
  if (member.kind === 'field') {
    return ref(
      seg,
      `${view.name}.${seg.text}`,
      `${view.name}.${seg.text} is a field, not a relationship${didYouMean(std.suggest(view, seg.text, ['parent']))}`
    );
  }
  return { next: member.target! };
}

export function resolvePath(
  idx: SchemaIndex,
  start: string | undefined,
  segs: Tok[],
  first: FirstSegment = 'field',
  std?: StandardObjects
): Ref[] {
  let current = start;
  let i = 0;
  const s0 = segs[0];
  if (current === undefined && s0 && first !== 'field') {
    const known = idx.object(s0.text);
    if (known) {
      current = known.apiName;
      i = 1;
    } else if (first === 'object' || (isCustomName(s0.text) && /__(mdt|e)$/i.test(s0.text))) {
      if (isCustomName(s0.text)) return [ref(s0, s0.text, `object ${s0.text} is not defined in force-app`)];
      current = s0.text; // a standard object force-app does not describe: its custom fields would be missing
      i = 1;
    }
  }
  for (; i < segs.length; i++) {
    const seg = segs[i]!;
    const name = seg.text;
    // in a query (std given) a standard name is checked when the object's standard members are known
    const verdict =
      !isCustomName(name) && std && current !== undefined
        ? standardSegment(std, current, seg, i === segs.length - 1)
        : 'unsure';
    if (verdict === 'end') return [];
    if (verdict !== 'unsure') {
      if (!('next' in verdict)) return [verdict];
      current = idx.object(verdict.next)?.apiName ?? verdict.next;
    } else if (!isCustomName(name)) {
      // a standard relationship, property or method: follow it only when its target is certain
      current =
        current === undefined ? undefined : (idx.object(name)?.apiName ?? STANDARD_RELATIONSHIPS[name.toLowerCase()]);
    } else if (/__r$/i.test(name)) {
      if (current === undefined) {
        if (!idx.definedAnywhere(name))
          return [ref(seg, name, `relationship ${name} is not defined anywhere in force-app`)];
        continue;
      }
      const parent = idx.parentOf(current, name);
      // a child relationship (scorecard.Criteria__r) is a list of child records: nothing after it is a field path
      if (!parent && idx.childOf(current, name)) return [];
      if (!parent) {
        const lookup = name.replace(/__r$/i, '__c');
        return [
          ref(
            seg,
            `${current}.${name}`,
            `relationship ${current}.${name} is not defined in force-app (no lookup field ${current}.${lookup})`
          )
        ];
      }
      current = idx.object(parent)?.apiName ?? parent;
    } else if (/__c$/i.test(name)) {
      if (current === undefined) {
        return idx.definedAnywhere(name) ? [] : [ref(seg, name, `${name} is not defined anywhere in force-app`)];
      }
      // after a field only methods can follow (getDescribe(), ...): nothing more to resolve
      return idx.field(current, name)
        ? []
        : [ref(seg, `${current}.${name}`, `field ${current}.${name} is not defined in force-app`)];
    } else {
      // __mdt / __e: an object in the middle of a path (Schema.Obj__mdt...)
      if (!idx.object(name)) return [ref(seg, name, `object ${name} is not defined in force-app`)];
      current = idx.object(name)!.apiName;
    }
  }
  return [];
}
