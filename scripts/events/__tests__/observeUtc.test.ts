import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseInstant } from '../../usage/instant';
import { observeEventFile, utcInstantText } from '../observe';
import { loadPlan } from '../plan';

const resolved = (id: string, occurredAt: string) =>
  JSON.stringify({
    event_id: id,
    event_name: 'AI Ticket Resolved',
    schema_version: '1-0-0',
    occurred_at: occurredAt,
    account_key: 'acme',
    source: 'segment',
    properties: { ticket_id: id }
  });

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-observe-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('gtm events observe: first and last seen', () => {
  // before: the sender's text was shown, so a file with offsets printed first seen 2026-03-06T01:00:00Z and last seen
  // 2026-03-05T23:00:00-08:00 (later as an instant, earlier as it reads)
  it('are the earliest and latest instants, written in UTC whatever offset the sender used', async () => {
    const file = path.join(dir, 'e.jsonl');
    fs.writeFileSync(
      file,
      [
        resolved('a', '2026-03-05T23:00:00-08:00'),
        resolved('b', '2026-03-06T01:00:00Z'),
        resolved('c', '2026-03-06 05:30:00.25+05:30')
      ].join('\n') + '\n'
    );
    const o = await observeEventFile(file, loadPlan());
    expect(o.events.find((e) => e.event === 'AI Ticket Resolved')).toMatchObject({
      count: 3,
      first_seen: '2026-03-06T00:00:00.25Z',
      last_seen: '2026-03-06T07:00:00Z'
    });
  });

  it('a planned event the file lacks has no null share (0 of 0 rows), not 0%', async () => {
    const file = path.join(dir, 'e.jsonl');
    fs.writeFileSync(file, resolved('a', '2026-03-06T01:00:00Z') + '\n');
    const o = await observeEventFile(file, loadPlan());
    const churned = o.events.find((e) => e.event === 'Logo Churned')!;
    expect(churned.count).toBe(0);
    expect(churned.properties.map((p) => p.null_share)).toEqual(churned.properties.map(() => null));
    const live = o.events.find((e) => e.event === 'AI Ticket Resolved')!;
    expect(live.properties.find((p) => p.property === 'channel')!.null_share).toBe(1);
  });

  it('utcInstantText keeps the fraction digits and reads back as the same instant', () => {
    for (const text of ['1969-12-31T23:59:59.999999999Z', '2026-03-06T00:00:00Z', '2026-03-06T00:00:00.000000001Z']) {
      expect(utcInstantText(parseInstant(text)!)).toBe(text);
    }
    expect(utcInstantText(parseInstant('2026-03-06T05:30:00.5+05:30')!)).toBe('2026-03-06T00:00:00.5Z');
  });
});
