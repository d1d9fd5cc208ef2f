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
import { createJudge, fastPathEnvelope, type JudgeOptions, LONGEST_INSTANT } from '../judge';
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

  it('on offsets, 0-9 fraction digits, leap days and every field at and past its range', () => {
    const fractions = Array.from(
      { length: 11 },
      (_, n) => `2026-03-02T10:00:00${n ? '.' + '987654321'.padEnd(n, '0').slice(0, n) : ''}`
    );
    const values = [
      ...fractions.flatMap((f) => [f, `${f}Z`, `${f}+05:30`, `${f}-08:00`]), // 10 fraction digits: refused
      ...[
        '+00:00',
        '-00:00',
        '+14:00',
        '-03:30',
        '+23:59',
        '-23:59',
        '+24:00',
        '+05:60',
        '+5:30',
        '+05:3',
        '+05:300'
      ].map((o) => `2026-03-02T00:15:00.5${o}`),
      '2026-01-01T04:00:00+05:30', // the day before in UTC
      '2026-12-31T20:00:00-08:00', // the year after in UTC
      ...['2024-02-29', '2000-02-29', '2100-02-29', '2026-02-29', '2026-02-28', '2028-02-30'].map(
        (d) => `${d}T12:00:00Z`
      ),
      ...['2026-00-10', '2026-13-10', '2026-04-31', '2026-04-30', '2026-01-00', '2026-01-32'].map(
        (d) => `${d} 12:00:00`
      ),
      ...['24:00:00', '23:60:00', '23:59:60', '23:59:59', '00:00:00'].map((t) => `2026-03-02T${t}Z`),
      '1677-12-31T23:59:59Z', // a year outside 64-bit epoch nanoseconds
      '1678-01-01T00:00:00+00:01', // inside, whatever the offset makes of it
      '2261-12-31T23:59:59.999999999-23:59',
      '2262-01-01T00:00:00Z'
    ];
    let taken = 0;
    for (const v of values) {
      const ms = readInstantText(v);
      const fast = Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n + BigInt(instantTextSubNs());
      expect([v, fast]).toEqual([v, parseInstant(v)]);
      if (fast !== undefined) taken++;
    }
    expect(taken).toBeGreaterThan(40);
    expect(values.length - taken).toBeGreaterThan(20);
    // the offset is taken from the local time, fractions are nanoseconds of the second
    expect(readInstantText('2026-01-01T04:00:00.123456789+05:30')).toBe(Date.parse('2025-12-31T22:30:00.123Z'));
    expect(instantTextSubNs()).toBe(456_789);
    expect(readInstantText('2024-02-29T12:00:00.5Z')).toBe(Date.parse('2024-02-29T12:00:00.500Z'));
    expect(instantTextSubNs()).toBe(0);
  });

  it('takes no text longer than LONGEST_INSTANT, as instant.ts takes none', () => {
    const longest = '2026-03-02T10:00:00.123456789+05:30';
    expect(longest).toHaveLength(LONGEST_INSTANT);
    expect(readInstantText(longest)).toBe(Number(parseInstant(longest)! / 1_000_000n));
    for (const v of [`${longest}0`, `2026-03-02T10:00:00.1234567890+05:30`, `${longest} `, `0${longest}`]) {
      expect([v, readInstantText(v)]).toEqual([v, NaN]);
      expect([v, parseInstant(v)]).toEqual([v, undefined]);
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

  it("leaves only the instants' maxLength to the instant reader, and judges a too long instant as the slow path does", () => {
    const lean = fastPathEnvelope(compiled);
    const long = '2026-03-02T10:00:00.123456789+05:30'.padEnd(41, '0'); // past the envelope's maxLength 40
    const e = invited({ occurred_at: long, received_at: long });
    expect(compiled.envelope(e)).toBe(false);
    expect(lean(e)).toBe(true); // the bound is left to the reader, which refuses it
    const verdict = fast(e);
    expect(verdict).toEqual(slow(e));
    expect(verdict.map((v) => [v.type, v.instancePath, v.schemaPath.split('#')[1]])).toEqual([
      ['Datatype-Mismatch', '/occurred_at', '/properties/occurred_at/maxLength'],
      ['Datatype-Mismatch', '/received_at', '/properties/received_at/maxLength'],
      ['Datatype-Mismatch', '/occurred_at', '/properties/occurred_at/x-instant'],
      ['Datatype-Mismatch', '/received_at', '/properties/received_at/x-instant']
    ]);
    // every other bound is the envelope's own: a user_key past its maxLength fails the lean validator too
    expect(lean(invited({ user_key: 'u'.repeat(81) }))).toBe(false);
  });

  it('keeps an instant bound shorter than the longest instant in the fast path', () => {
    const plan = loadPlan();
    const envelope = structuredClone(plan.envelope) as { properties: Record<string, { maxLength?: number }> };
    envelope.properties.occurred_at!.maxLength = 20; // '2026-03-02T10:00:00Z' fits, '...00.5Z' does not
    const tight = compilePlan({ ...plan, envelope });
    const tightFast = createJudge(tight, options);
    const tightSlow = createJudge(tight, { ...options, exactInstants: true });
    for (const occurred_at of ['2026-03-02T10:00:00Z', '2026-03-02T10:00:00.5Z']) {
      const e = invited({ occurred_at });
      expect([occurred_at, tightFast(e)]).toEqual([occurred_at, tightSlow(e)]);
    }
    expect(tightFast(invited({ occurred_at: '2026-03-02T10:00:00.5Z' })).map((v) => v.schemaPath)).toEqual([
      'tracking-plan/common.json#/properties/occurred_at/maxLength'
    ]);
    expect(tightFast(invited({ occurred_at: '2026-03-02T10:00:00Z' }))).toEqual([]);
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
