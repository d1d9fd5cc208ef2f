/**
 * Deterministic synthetic ticket export for the usage benchmark: N events over A accounts and W weeks, with
 * heavy-tailed volumes (some accounts clear the weekly minimum, most do not), drifting AI resolution shares,
 * a few re-exported duplicates and a few bad rows, like a real support platform's export.
 */
import * as fs from 'node:fs';
import { weekStartMs } from '../usage/isoWeek';
import { prng } from '../lib/prng';

export interface GenerateOptions {
  file: string;
  events: number;
  accounts: number;
  weeks: number;
  firstWeekIndex: number;
  seed?: number;
}

export async function generateEvents(o: GenerateOptions): Promise<void> {
  const rnd = prng(o.seed ?? 20261124);
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
  await write('ticket_id,account_id,created_at,resolved_at,resolution,channel\n');
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
      const resolved =
        resolution === 'unresolved' ? '' : new Date(created + Math.floor(rnd() * 28_800_000)).toISOString();
      const bad = rnd() < 0.0005;
      line = `T${i.toString(36)},acct-${String(a).padStart(5, '0')},${new Date(created).toISOString()},${resolved},${bad ? 'robot' : resolution},${channels[i & 3]}`;
      if (recent.length < 1000) recent.push(line);
      else recent[i % 1000] = line;
    }
    batch.push(line);
    if (batch.length === 20_000) {
      await write(`${batch.join('\n')}\n`);
      batch = [];
    }
  }
  if (batch.length) await write(`${batch.join('\n')}\n`);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
