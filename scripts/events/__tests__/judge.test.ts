import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createJudge } from '../judge';
import { compilePlan, loadPlan } from '../plan';
import { validateEventFile } from '../validate';
import { invited, tempDir, writeJsonl } from './eventFiles';

const compiled = compilePlan(loadPlan());
const MINUTE_NS = 60_000_000_000n;
const asOfNs = BigInt(Date.parse('2026-03-03T00:00:00Z')) * 1_000_000n;
const judge = createJudge(compiled, { accounts: new Set(['ACME-001']), asOfNs, toleranceNs: 5n * MINUTE_NS });
const INVITED = 'tracking-plan/events/teammate_invited/1-0-0.json';

describe('the verdict on one event', () => {
  it('passes a planned event', () => {
    expect(judge(invited())).toEqual([]);
  });

  it('Unplanned-Event, with a did-you-mean for a case or spacing variant', () => {
    expect(judge(invited({ event_name: 'teammate_invited' }))).toEqual([
      {
        type: 'Unplanned-Event',
        message: '"teammate_invited" is not a planned event; did you mean "Teammate Invited"?',
        instancePath: '/event_name',
        schemaPath: 'tracking-plan/common.json#/properties/event_name',
        suggestion: 'Teammate Invited'
      }
    ]);
    const v = judge(invited({ event_name: 'Teammate Removed' }));
    expect(v).toEqual([
      expect.objectContaining({ type: 'Unplanned-Event', message: '"Teammate Removed" is not a planned event' })
    ]);
    expect(v[0]!.suggestion).toBeUndefined();
    expect(judge(invited({ schema_version: '2-0-0' }))).toEqual([
      expect.objectContaining({
        type: 'Unplanned-Event',
        message: 'version 2-0-0 of "Teammate Invited" is not planned (planned: 1-0-0)'
      })
    ]);
  });

  it('Required-Missing, in the envelope and in the properties', () => {
    const e = invited({ properties: { role: 'agent' } });
    delete e.account_key;
    expect(judge(e)).toEqual([
      {
        type: 'Required-Missing',
        message: 'account_key is required',
        instancePath: '/account_key',
        schemaPath: 'tracking-plan/common.json#/required'
      },
      {
        type: 'Required-Missing',
        message: 'invitee_email is required',
        instancePath: '/properties/invitee_email',
        schemaPath: `${INVITED}#/required`
      }
    ]);
  });

  it('Datatype-Mismatch: a wrong JSON type, and an occurred_at that is not an instant', () => {
    expect(judge(invited({ properties: { invitee_email: 7, role: 'agent' } }))).toEqual([
      {
        type: 'Datatype-Mismatch',
        message: 'must be string',
        instancePath: '/properties/invitee_email',
        schemaPath: `${INVITED}#/properties/invitee_email/type`
      }
    ]);
    expect(judge(invited({ occurred_at: '2026-02-30T10:00:00Z' }))).toEqual([
      {
        type: 'Datatype-Mismatch',
        message: '"2026-02-30T10:00:00Z" is not an ISO 8601 instant',
        instancePath: '/occurred_at',
        schemaPath: 'tracking-plan/common.json#/properties/occurred_at/x-instant'
      }
    ]);
  });

  it('Additional-Properties and Enum-Mismatch', () => {
    expect(judge(invited({ properties: { invitee_email: 'a@example.com', role: 'owner', team: 'x' } }))).toEqual([
      {
        type: 'Additional-Properties',
        message: 'team is not a planned property',
        instancePath: '/properties/team',
        schemaPath: `${INVITED}#/additionalProperties`
      },
      {
        type: 'Enum-Mismatch',
        message: 'must be one of "admin", "agent", "viewer"',
        instancePath: '/properties/role',
        schemaPath: `${INVITED}#/properties/role/enum`
      }
    ]);
  });

  it('Unknown-Account: a key no Account has (not checked without an account list)', () => {
    expect(judge(invited({ account_key: 'acme-001' }))).toEqual([
      expect.objectContaining({
        type: 'Unknown-Account',
        instancePath: '/account_key',
        message: 'no Account has Usage_Account_Key__c "acme-001"'
      })
    ]);
    const unchecked = createJudge(compiled, { asOfNs, toleranceNs: 5n * MINUTE_NS });
    expect(unchecked(invited({ account_key: 'acme-001' }))).toEqual([]);
  });

  it('Future-Timestamp: after received_at (or the run) by more than the tolerance, exactly', () => {
    const at = (occurred: string, received?: string) =>
      judge(invited({ occurred_at: occurred, received_at: received })).map((v) => v.type);
    expect(at('2026-03-02T10:05:00Z', '2026-03-02T10:00:00Z')).toEqual([]);
    expect(at('2026-03-02T10:05:00.000000001Z', '2026-03-02T10:00:00Z')).toEqual(['Future-Timestamp']);
    expect(at('2026-03-02 12:05:00+02:00', '2026-03-02T10:00:00Z')).toEqual([]); // offsets are the usage sync's
    expect(at('2026-03-03T00:05:00Z')).toEqual([]); // no received_at: against the as-of
    expect(at('2026-03-03T00:05:01Z')).toEqual(['Future-Timestamp']);
  });
});

describe('validateEventFile', () => {
  it('balances: rows = valid + violating, by type and by event; a row that is not JSON is a violating row', async () => {
    const dir = tempDir();
    try {
      const file = writeJsonl(dir, 'e.jsonl', [
        invited(),
        invited({ event_name: 'Teammate invited' }),
        '{"event_id": ',
        invited(),
        ''
      ]);
      const r = await validateEventFile(file, compiled, { asOfNs, toleranceNs: 0n, maxViolationRate: 0.5 });
      expect(r.summary).toMatchObject({ rows: 4, valid: 2, violating: 2, over_limit: false, accounts_checked: false });
      expect(r.summary.by_type).toEqual({ 'Unplanned-Event': 1, 'Datatype-Mismatch': 1 });
      expect(r.violating.map((x) => x.line)).toEqual([2, 3]);
      const strict = await validateEventFile(file, compiled, { asOfNs, toleranceNs: 0n, maxViolationRate: 0.1 });
      expect(strict.summary.over_limit).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads CSV with properties as a JSON cell, and Latin-1 through the usage sync encoding handling', async () => {
    const dir = tempDir();
    try {
      const header = 'event_id,event_name,schema_version,occurred_at,account_key,source,properties';
      const row =
        'c1,Teammate Invited,1-0-0,2026-03-02T10:00:00Z,ACME-001,product-web,"{""invitee_email"":""ren\xe9@example.com"",""role"":""agent""}"';
      const file = path.join(dir, 'e.csv');
      fs.writeFileSync(
        file,
        Buffer.from(
          `${header}\n${row}\nc2,Teammate Invited,1-0-0,2026-03-02T10:00:00Z,ACME-001,product-web,{not json\n`,
          'latin1'
        )
      );
      await expect(validateEventFile(file, compiled, { asOfNs, toleranceNs: 0n, maxViolationRate: 1 })).rejects.toThrow(
        /line 2, byte offset \d+: not valid UTF-8 \(byte 0xE9\)/
      );
      const r = await validateEventFile(file, compiled, {
        asOfNs,
        toleranceNs: 0n,
        maxViolationRate: 1,
        encoding: 'latin1'
      });
      expect(r.summary).toMatchObject({ rows: 2, valid: 1, violating: 1, encoding: 'latin1' });
      expect(r.violating[0]!.violations[0]).toMatchObject({
        instancePath: '/properties',
        message: 'the properties cell is not a JSON object'
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  // before: extra values were dropped and a missing properties cell became {}: both rows counted valid
  it('counts a CSV row with more or fewer values than the header as violating, naming both counts', async () => {
    const dir = tempDir();
    try {
      const header = 'event_id,event_name,schema_version,occurred_at,account_key,source,properties';
      const good = 'c1,Teammate Invited,1-0-0,2026-03-02T10:00:00Z,ACME-001,product-web,"{""role"":""agent""}"';
      const file = path.join(dir, 'e.csv');
      fs.writeFileSync(
        file,
        `${header}\n${good}\n${good.replace('c1', 'c2')},x,y\nc3,Teammate Invited,1-0-0,2026-03-02T10:00:00Z,ACME-001\n${good.replace('c1', 'c4')},,\n`
      );
      const r = await validateEventFile(file, compiled, { asOfNs, toleranceNs: 0n, maxViolationRate: 1 });
      expect(r.summary).toMatchObject({ rows: 4 });
      // the two rows of the wrong width say so (trailing empty values are not extra values)
      const counts = r.violating
        .flatMap((v) => v.violations.map((x) => x.message))
        .filter((m) => /values where/.test(m));
      expect(counts).toEqual(['9 values where the header has 7', '5 values where the header has 7']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes the CSV columns from the envelope's properties (tracking-plan/common.json), naming them when one is unknown", async () => {
    const dir = tempDir();
    try {
      const columns = Object.keys(compiled.plan.envelope.properties ?? {});
      expect(columns).toEqual(expect.arrayContaining(['event_id', 'occurred_at', 'environment', 'properties']));
      const file = path.join(dir, 'e.csv');
      fs.writeFileSync(file, 'event_id,event_name,colour\n');
      await expect(validateEventFile(file, compiled, { asOfNs, toleranceNs: 0n, maxViolationRate: 1 })).rejects.toThrow(
        expect.objectContaining({
          message: expect.stringContaining('unknown column colour'),
          details: [`an event CSV has the columns ${columns.join(', ')}`]
        })
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a gzipped file (.jsonl.gz, .csv.gz) decompressed, and names a .gz file that is not gzip', async () => {
    const dir = tempDir();
    try {
      const text = [invited(), invited({ event_name: 'teammate invited' })].map((e) => JSON.stringify(e)).join('\n');
      const file = path.join(dir, 'e.jsonl.gz');
      fs.writeFileSync(file, zlib.gzipSync(text));
      const r = await validateEventFile(file, compiled, { asOfNs, toleranceNs: 0n, maxViolationRate: 1 });
      expect(r.summary).toMatchObject({ rows: 2, valid: 1, violating: 1, format: 'jsonl' });
      const csv = path.join(dir, 'e.csv.gz');
      fs.writeFileSync(
        csv,
        zlib.gzipSync(
          'event_id,event_name,schema_version,occurred_at,account_key,source,properties\n' +
            'c1,Teammate Invited,1-0-0,2026-03-02T10:00:00Z,ACME-001,product-web,"{""invitee_email"":""a@example.com"",""role"":""agent""}"\n'
        )
      );
      const c = await validateEventFile(csv, compiled, { asOfNs, toleranceNs: 0n, maxViolationRate: 1 });
      expect(c.summary).toMatchObject({ rows: 1, valid: 1, format: 'csv' });
      const bad = path.join(dir, 'bad.jsonl.gz');
      fs.writeFileSync(bad, text);
      await expect(validateEventFile(bad, compiled, { asOfNs, toleranceNs: 0n, maxViolationRate: 1 })).rejects.toThrow(
        /bad\.jsonl\.gz is not valid gzip data/
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
