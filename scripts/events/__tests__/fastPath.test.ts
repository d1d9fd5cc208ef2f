/**
 * The judge's fast path (instants read by the usage fast path's allocation-free reader, compared as numbers) gives
 * the same verdicts, rows and rejects as the slow path (instant.ts, BigInt nanoseconds) on every shape the
 * benchmark measures, and on instants near each rule's edge.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  benchAccountKey,
  EVENT_SHAPES,
  type EventShape,
  shapeExtension,
  writeEventShape
} from '../../bench/eventShapes';
import { formatInstant } from '../../bench/exportForms';
import { parseInstant } from '../../usage/instant';
import { instantTextSubNs, readInstantText } from '../../usage/lineScan';
import { createJudge, type JudgeOptions } from '../judge';
import { compilePlan, loadPlan } from '../plan';
import { validateEventFile } from '../validate';
import { invited, tempDir } from './eventFiles';

const compiled = compilePlan(loadPlan());
const MINUTE_NS = 60_000_000_000n;

describe('readInstantText (the usage fast path reader over a string)', () => {
  it('reads what instant.ts reads, to the nanosecond, and refuses what it refuses', () => {
    const values = [
      '2026-03-02T10:00:00Z',
      '2026-03-02 10:00:00',
      '2026-03-02T10:00:00.1Z',
      '2026-03-02T10:00:00.123456789+05:30',
      '1969-12-31T23:59:59.999999999Z', // before 1970: the milliseconds are the floor
      '2026-03-02T10:00:00-08:00',
      '2026-02-29T10:00:00Z', // no such day
      '2026-03-02T10:00:00+0530',
      '2026-03-02T10:00:00.Z',
      '2026-03-02T10:00:00.1234567890Z',
      '２026-03-02T10:00:00Z', // a full-width digit
      '2026-03-02T10:00:00Z\u00a0',
      '2026-03-02T10:00:00+05:30'.padEnd(41, ' '),
      'yesterday',
      ''
    ];
    for (const v of values) {
      const ms = readInstantText(v);
      const exact = parseInstant(v);
      const fast = Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n + BigInt(instantTextSubNs());
      expect([v, fast]).toEqual([v, exact]);
    }
  });

  it('agrees with instant.ts on every character in every place of each accepted form', () => {
    const bases = [
      '2026-07-16T10:27:16Z',
      '2026-07-16 10:27:16',
      '2026-07-16T10:27:16.123456789+05:30',
      '2028-02-29T23:59:59.9-08:00',
      '1678-01-01T00:00:00.000Z',
      '2261-12-31T23:59:59.999999999Z'
    ];
    const chars = [
      ...Array.from({ length: 127 }, (_, n) => String.fromCharCode(n + 1)),
      ...['é', '٣', '０', '中', '\u00a0', '😀']
    ];
    let taken = 0;
    let checked = 0;
    for (const base of bases)
      for (let i = 0; i <= base.length; i++)
        for (const v of [
          ...chars.map((c) => base.slice(0, i) + c + base.slice(i + 1)),
          base.slice(0, i) + base.slice(i + 1)
        ]) {
          const ms = readInstantText(v);
          const fast = Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n + BigInt(instantTextSubNs());
          checked++;
          if (fast !== undefined) taken++;
          if (fast !== parseInstant(v)) expect([v, fast]).toEqual([v, parseInstant(v)]);
        }
    expect(checked).toBeGreaterThan(20_000);
    expect(taken).toBeGreaterThan(500); // both outcomes are well represented
    expect(checked - taken).toBeGreaterThan(10_000);
  });
});

describe('the judge, fast path against slow path', () => {
  const options: JudgeOptions = {
    accounts: new Set(['ACME-001']),
    asOfNs: BigInt(Date.parse('2026-03-03T00:00:00Z')) * 1_000_000n + 1n,
    toleranceNs: 5n * MINUTE_NS + 7n
  };
  const fast = createJudge(compiled, options);
  const slow = createJudge(compiled, { ...options, exactInstants: true });

  it('gives the same verdict at each nanosecond around the Future-Timestamp edge, with and without received_at', () => {
    const received = Date.parse('2026-03-02T10:00:00Z');
    const form = { separator: 'T' as const, fraction: 9, offset: 330 };
    let future = 0;
    for (const deltaNs of [-1, 0, 6, 7, 8, 999_999, 1_000_000, 1_000_007, 1_000_008]) {
      // occurred = received + tolerance (5 min) + deltaNs, written with an offset and nine fraction digits
      const occMs = received + 5 * 60_000 + Math.floor(deltaNs / 1_000_000);
      const occurred = formatInstant(occMs, form, deltaNs % 1_000_000);
      for (const e of [
        invited({ occurred_at: occurred, received_at: formatInstant(received, form) }),
        invited({ occurred_at: formatInstant(Date.parse('2026-03-03T00:05:00Z'), form, deltaNs), received_at: null })
      ]) {
        const verdict = fast(e);
        expect([occurred, verdict]).toEqual([occurred, slow(e)]);
        future += verdict.filter((v) => v.type === 'Future-Timestamp').length;
      }
    }
    expect(future).toBeGreaterThan(0); // both sides of the edge were seen
    expect(future).toBeLessThan(18);
  });

  it.each(Object.keys(EVENT_SHAPES) as EventShape[])(
    'gives the same rows and rejects on the %s shape',
    async (shape) => {
      const dir = tempDir();
      try {
        const file = path.join(dir, `e.${shapeExtension(shape)}`);
        writeEventShape(compiled, { file, shape, events: 3000, accounts: 40 });
        const accounts = new Set(Array.from({ length: 40 }, (_, i) => benchAccountKey(i)));
        const base = {
          accounts,
          asOfNs: BigInt(Date.parse('2026-12-01T00:00:00Z')) * 1_000_000n,
          toleranceNs: 5n * MINUTE_NS,
          maxViolationRate: 1,
          keepValid: true
        };
        const a = await validateEventFile(file, compiled, base);
        const b = await validateEventFile(file, compiled, { ...base, exactInstants: true });
        expect(a.summary).toEqual(b.summary);
        expect(a.valid).toEqual(b.valid);
        expect(a.violating).toEqual(b.violating);
        // the shape was read as events, not refused: 1% violating, every type the generator writes among them
        expect(a.summary).toMatchObject({ rows: 3000, valid: 2970, violating: 30 });
        expect(Object.keys(a.summary.by_type).sort()).toEqual([
          'Additional-Properties',
          'Datatype-Mismatch',
          'Future-Timestamp',
          'Required-Missing',
          'Unknown-Account',
          'Unplanned-Event'
        ]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    20_000
  );
});
