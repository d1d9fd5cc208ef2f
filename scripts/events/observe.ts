/**
 * `gtm events observe`: what an event file holds compared with the plan, per event and property, with Amplitude's
 * statuses: planned (in the plan, not in the file), live (in both), unexpected (in the file, not in the plan).
 * Counts, first and last seen (occurred_at) and the share of null or missing values: the input of the seed's
 * biweekly data-quality review.
 */
import type { Encoding } from '../usage/encoding';
import { parseInstant } from '../usage/instant';
import { readEventRows } from './input';
import { latestVersions, type TrackingPlan } from './plan';

export type Status = 'planned' | 'live' | 'unexpected';

export interface PropertyObservation {
  property: string;
  status: Status;
  /** events carrying a non-null value */
  count: number;
  /** null when the file has no row of the event (nothing to share out) */
  null_share: number | null;
}

export interface EventObservation {
  event: string;
  status: Status;
  count: number;
  /** in UTC, whatever offset the sender wrote, so first and last read in order */
  first_seen: string | null;
  last_seen: string | null;
  properties: PropertyObservation[];
}

export interface Observation {
  input: string;
  rows: number;
  /** rows that are not an event object (not JSON, malformed CSV) */
  unreadable: number;
  events: EventObservation[];
}

interface Acc {
  count: number;
  first?: bigint;
  last?: bigint;
  values: Map<string, number>;
}

const NS_PER_S = 1_000_000_000n;

/** An instant in epoch nanoseconds as UTC ISO 8601, to the second, with the fraction digits it has (none when 0). */
export function utcInstantText(ns: bigint): string {
  let s = ns / NS_PER_S;
  let frac = ns % NS_PER_S;
  if (frac < 0n) [s, frac] = [s - 1n, frac + NS_PER_S];
  const seconds = new Date(Number(s) * 1000).toISOString().slice(0, 19);
  const digits = frac ? `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}` : '';
  return `${seconds}${digits}Z`;
}

export async function observeEventFile(file: string, plan: TrackingPlan, encoding?: Encoding): Promise<Observation> {
  const seen = new Map<string, Acc>();
  let rows = 0;
  let unreadable = 0;
  await readEventRows(
    file,
    plan.envelope,
    (row) => {
      rows++;
      const e = row.event;
      if (!e || typeof e.event_name !== 'string') {
        unreadable++;
        return;
      }
      let acc = seen.get(e.event_name);
      if (!acc) seen.set(e.event_name, (acc = { count: 0, values: new Map() }));
      acc.count++;
      if (typeof e.occurred_at === 'string') {
        const ns = parseInstant(e.occurred_at);
        if (ns !== undefined) {
          if (acc.first === undefined || ns < acc.first) acc.first = ns;
          if (acc.last === undefined || ns > acc.last) acc.last = ns;
        }
      }
      const props =
        typeof e.properties === 'object' && e.properties !== null ? (e.properties as Record<string, unknown>) : {};
      for (const [k, v] of Object.entries(props))
        if (v !== null && v !== undefined) acc.values.set(k, (acc.values.get(k) ?? 0) + 1);
        else if (!acc.values.has(k)) acc.values.set(k, 0);
    },
    encoding
  );
  const planned = new Map(latestVersions(plan).map((v) => [v.name, Object.keys(v.schema.properties ?? {})]));
  const names = [...new Set([...planned.keys(), ...seen.keys()])].sort();
  const events = names.map((name): EventObservation => {
    const acc = seen.get(name);
    const plannedProps = planned.get(name);
    const status: Status = !plannedProps ? 'unexpected' : acc ? 'live' : 'planned';
    const props = [...new Set([...(plannedProps ?? []), ...(acc?.values.keys() ?? [])])].sort();
    return {
      event: name,
      status,
      count: acc?.count ?? 0,
      first_seen: acc?.first === undefined ? null : utcInstantText(acc.first),
      last_seen: acc?.last === undefined ? null : utcInstantText(acc.last),
      properties: props.map((p) => {
        const count = acc?.values.get(p) ?? 0;
        const inPlan = plannedProps?.includes(p) ?? false;
        return {
          property: p,
          status: !inPlan ? 'unexpected' : count > 0 ? 'live' : 'planned',
          count,
          null_share: acc && acc.count ? (acc.count - count) / acc.count : null
        };
      })
    };
  });
  return { input: file, rows, unreadable, events };
}
