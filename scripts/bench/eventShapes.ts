/**
 * Deterministic synthetic funnel event files for `npm run bench:events` and the fast-path equality test, in the
 * shapes senders use (EVENT_SHAPES): the same events each time, 99% valid over the plan's latest versions and 1%
 * wrong in the usual ways (case variant of the name, no account, an unplanned property, an unknown account, a
 * future timestamp, a received_at that is not an instant). Instants and CSV values are written by the usage
 * benchmark's exportForms.ts.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { prng } from '../lib/prng';
import { csvColumns } from '../events/input';
import { latestVersions, type CompiledPlan, type PropertySchema } from '../events/plan';
import { csvValue, formatInstant, type InstantForm, ISO_FORM } from './exportForms';

export const EVENT_SHAPES = {
  'jsonl-z': 'JSON Lines, toISOString instants (...Z, milliseconds)',
  'jsonl-offsets': 'JSON Lines, every instant with an offset (+05:30, -08:00, +00:00, +14:00, -03:30), no fraction',
  'jsonl-fraction': 'JSON Lines, 0-9 fraction digits, T or a space, Z or no offset (UTC)',
  'csv-quoted': 'CSV, every value quoted (properties a JSON cell with "" inside), CRLF line ends',
  'jsonl-gz': 'gzipped JSON Lines (.jsonl.gz), instants as jsonl-z'
} as const;
export type EventShape = keyof typeof EVENT_SHAPES;

/** the file name's extension of a shape */
export const shapeExtension = (shape: EventShape) =>
  shape === 'csv-quoted' ? 'csv' : shape === 'jsonl-gz' ? 'jsonl.gz' : 'jsonl';

/** the account keys of the generated events: ACCT-00000 .. */
export const benchAccountKey = (i: number) => `ACCT-${String(i).padStart(5, '0')}`;

const OFFSETS = [330, -480, 0, 840, -210];

/** A value of a property schema that passes it (enum, integer bounds, pattern shapes of this plan). */
function sample(p: PropertySchema, rnd: () => number, n: number): unknown {
  if (Array.isArray(p.enum)) return p.enum[Math.floor(rnd() * p.enum.length)];
  const type = [p.type].flat()[0];
  if (type === 'integer') return Math.floor(rnd() * Math.min(Number(p.maximum ?? 1000), 1000)) + Number(p.minimum ?? 0);
  if (type === 'boolean') return rnd() < 0.5;
  if (typeof p.pattern === 'string' && p.pattern.includes('W')) return `2026-W${String(1 + (n % 52)).padStart(2, '0')}`;
  if (typeof p.pattern === 'string') return `006L${String(n).padStart(14, '0')}`;
  return `v${n}`;
}

/** How the shape writes instant n (the same instant in every shape). */
function instantForm(shape: EventShape, n: number): InstantForm {
  if (shape === 'jsonl-offsets') return { separator: 'T', fraction: 0, offset: OFFSETS[n % OFFSETS.length]! };
  if (shape === 'jsonl-fraction') return { separator: n % 2 ? ' ' : 'T', fraction: n % 10, offset: n % 3 ? 'Z' : '' };
  return ISO_FORM;
}

export interface ShapeOptions {
  file: string;
  shape: EventShape;
  events: number;
  accounts: number;
}

/** Writes the event file in its shape (through a temporary name: an interrupted run leaves no half file). */
export function writeEventShape(compiled: CompiledPlan, o: ShapeOptions): void {
  const rnd = prng(15);
  const versions = latestVersions(compiled.plan);
  const columns = csvColumns(compiled.plan.envelope);
  const csv = o.shape === 'csv-quoted';
  const eol = csv ? '\r\n' : '\n';
  const fd = fs.openSync(`${o.file}.tmp`, 'w');
  // gzip: one member per block (a reader takes concatenated members as one stream)
  const put = (text: string) => fs.writeSync(fd, o.shape === 'jsonl-gz' ? zlib.gzipSync(text) : Buffer.from(text));
  const base = Date.parse('2026-01-05T00:00:00Z');
  let buf: string[] = csv ? [columns.map((c) => csvValue(c, true)).join(',')] : [];
  for (let n = 0; n < o.events; n++) {
    const v = versions[n % versions.length]!;
    const props: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(v.schema.properties ?? {})) props[k] = sample(p, rnd, n);
    const occurredMs = base + Math.floor(rnd() * 180 * 86_400_000);
    const subNs = Math.floor(rnd() * 1_000_000);
    const form = instantForm(o.shape, n);
    const e: Record<string, unknown> = {
      event_id: `evt-${n}`,
      event_name: v.name,
      schema_version: v.version,
      occurred_at: formatInstant(occurredMs, form, subNs),
      received_at: formatInstant(occurredMs + 2_000, form, subNs),
      account_key: benchAccountKey(n % o.accounts),
      user_key: `u-${n % 997}`,
      source: 'product-web',
      properties: props
    };
    if (n % 100 === 99) {
      const k = (n / 100) % 6 | 0;
      if (k === 0) e.event_name = v.name.toLowerCase();
      else if (k === 1) delete e.account_key;
      else if (k === 2) e.properties = { ...props, unplanned: 1 };
      else if (k === 3) e.account_key = 'NO-SUCH-ACCOUNT';
      else if (k === 4) e.occurred_at = formatInstant(Date.parse('2027-01-01T00:00:00Z'), form);
      else e.received_at = 'yesterday';
    }
    buf.push(
      csv
        ? columns
            .map((c) => {
              const x = e[c];
              return x === undefined ? '' : csvValue(typeof x === 'string' ? x : JSON.stringify(x), true);
            })
            .join(',')
        : JSON.stringify(e)
    );
    if (buf.length === 10_000) {
      put(buf.join(eol) + eol);
      buf = [];
    }
  }
  if (buf.length) put(buf.join(eol) + eol);
  fs.closeSync(fd);
  fs.renameSync(`${o.file}.tmp`, o.file);
}
