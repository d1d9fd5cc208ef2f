/**
 * Deterministic synthetic ticket export for the usage benchmark: N events over A accounts and W weeks, with
 * heavy-tailed volumes (some accounts clear the weekly minimum, most do not), drifting AI resolution shares,
 * a few re-exported duplicates and a few bad rows, like a real support platform's export. The same events can
 * be written in the shapes real exports come in (SHAPES), each a form the rules accept.
 */
import * as fs from 'node:fs';
import { weekStartMs } from '../usage/isoWeek';
import { prng } from '../lib/prng';
import { csvValue, formatInstant, InstantForm, ISO_FORM } from './exportForms';

/** the export shapes the benchmark measures, each against the floor */
export const SHAPES = {
  today: 'toISOString instants (...Z, milliseconds), unquoted, LF',
  offsets: 'mixed time-zone offsets on every instant (+05:30, -08:00, none)',
  'quoted-crlf': 'every value quoted, CRLF line ends',
  'other-forms': '5% of rows in other accepted forms (space separator, 0-9 fraction digits, upper case, padding)',
  rejects: '1% rejected rows (bad resolution or instant, resolved before created, no account), 0.3% duplicates'
} as const;
export type Shape = keyof typeof SHAPES;

/** offsets of the offsets shape: India, US Pacific, none (UTC) */
const OFFSETS: InstantForm['offset'][] = [330, -480, ''];

export interface GenerateOptions {
  file: string;
  events: number;
  accounts: number;
  weeks: number;
  firstWeekIndex: number;
  seed?: number;
  /** default today */
  shape?: Shape;
}

export async function generateEvents(o: GenerateOptions): Promise<void> {
  const rnd = prng(o.seed ?? 20261124);
  const shape = o.shape ?? 'today';
  // the shape's choices come from their own stream, so every shape holds the same events
  const formRnd = prng((o.seed ?? 20261124) ^ 0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(formRnd() * xs.length)]!;
  const eol = shape === 'quoted-crlf' ? '\r\n' : '\n';
  const quoteAll = shape === 'quoted-crlf';
  /** one row in the shape: a share of rows in another accepted form, or rejected, where the shape says so */
  const row = (
    ticket: string,
    account: string,
    created: number,
    resolved: number | null,
    resolution: string,
    channel: string
  ) => {
    let form = ISO_FORM;
    let resolvedForm = ISO_FORM;
    if (shape === 'offsets') {
      form = { ...ISO_FORM, offset: pick(OFFSETS) };
      resolvedForm = { ...ISO_FORM, offset: pick(OFFSETS) };
    }
    const values = [
      ticket,
      account,
      formatInstant(created, form),
      resolved === null ? '' : formatInstant(resolved, resolvedForm),
      resolution,
      channel
    ];
    if (shape === 'other-forms' && formRnd() < 0.05) {
      const other: InstantForm = {
        separator: pick(['T', ' ']),
        fraction: pick([0, 1, 3, 6, 9]),
        offset: pick(['Z', ''])
      };
      values[2] = formatInstant(created, other, Math.floor(formRnd() * 1_000_000));
      if (resolved !== null) values[3] = formatInstant(resolved, other);
      values[4] = pick([
        resolution.toUpperCase(),
        ` ${resolution} `,
        resolution[0]!.toUpperCase() + resolution.slice(1)
      ]);
      values[1] = pick([account, ` ${account}`, `${account}\t`]);
    }
    if (shape === 'rejects' && formRnd() < 0.01) {
      const k = Math.floor(formRnd() * 4);
      if (k === 0) values[4] = 'robot';
      else if (k === 1) values[2] = pick(['2026-02-30T10:00:00.000Z', 'yesterday', '2026-03-02T10:00:00+24:00']);
      else if (k === 2) values[3] = formatInstant(created - 60_000, ISO_FORM);
      else values[1] = '';
    }
    return values.map((v) => csvValue(v, quoteAll)).join(',');
  };
  // account weights: 15% large accounts, the rest small
  const weights = Array.from({ length: o.accounts }, () => (rnd() < 0.15 ? 50 + rnd() * 70 : 3 + rnd() * 17));
  const cumulative: number[] = [];
  weights.reduce((sum, w, i) => (cumulative[i] = sum + w), 0);
  const total = cumulative[cumulative.length - 1]!;
  const baseShare = Array.from({ length: o.accounts }, () => 0.15 + rnd() * 0.45);
  const drift = Array.from({ length: o.accounts }, () => (rnd() - 0.4) * 0.02);
  const pickAccount = () => {
    const x = rnd() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out = fs.createWriteStream(o.file, { highWaterMark: 1 << 22 });
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  const header = ['ticket_id', 'account_id', 'created_at', 'resolved_at', 'resolution', 'channel'];
  await write(header.map((h) => csvValue(h, quoteAll)).join(',') + eol);
  const channels = ['email', 'chat', 'web', 'voice'];
  const recent: string[] = [];
  let batch: string[] = [];
  for (let i = 0; i < o.events; i++) {
    let line: string;
    const r = rnd();
    if (r < 0.003 && recent.length) {
      // a re-exported ticket: the same row again
      line = recent[Math.floor(rnd() * recent.length)]!;
    } else {
      const a = pickAccount();
      const week = Math.floor(rnd() * o.weeks);
      const created = weekStartMs(o.firstWeekIndex + week) + Math.floor(rnd() * 604_800_000);
      const share = Math.min(0.95, Math.max(0.02, baseShare[a]! + drift[a]! * week + (rnd() - 0.5) * 0.1));
      const x = rnd();
      const resolution = x < share ? 'ai' : x < share + (1 - share) * 0.8 ? 'human' : 'unresolved';
      const resolved = resolution === 'unresolved' ? null : created + Math.floor(rnd() * 28_800_000);
      // today's few bad rows; the rejects shape has its own
      const bad = rnd() < 0.0005 && shape !== 'rejects';
      const account = `acct-${String(a).padStart(5, '0')}`;
      line = row(`T${i.toString(36)}`, account, created, resolved, bad ? 'robot' : resolution, channels[i & 3]!);
      if (recent.length < 1000) recent.push(line);
      else recent[i % 1000] = line;
    }
    batch.push(line);
    if (batch.length === 20_000) {
      await write(batch.join(eol) + eol);
      batch = [];
    }
  }
  if (batch.length) await write(batch.join(eol) + eol);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
