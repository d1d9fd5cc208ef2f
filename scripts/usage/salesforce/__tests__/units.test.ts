/**
 * The small pure parts: the CSV writer and strict reader, backoff and poll delays, and the query paging rules the
 * double does not exercise (a page cut short, a later page without a header line), with a scripted HTTP layer.
 */
import { bulkQuery } from '../bulkQuery';
import { cellText, csvLine, parseCsvTable, plainDecimal } from '../csv';
import type { IngestRowResult } from '../errors';
import { ApiError, NetworkError, type ApiRequest, type ApiResponse, type BulkHttp } from '../http';
import { prepare } from '../ingestPlan';
import type { SObjectRow } from '../../records';
import { backoffDelay, isTransient, nextPollDelay, withRetry, type Timing } from '../retry';
import { FAST_POLL, FAST_RETRY } from './helpers';

const noWait: Timing = { sleep: async () => {}, now: Date.now, random: () => 0.5 };

describe('CSV', () => {
  it('quotes every value, doubles quotes, writes null as empty and numbers as plain decimals', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 'line\nbreak', ''])).toBe('"a","b,c","say ""hi""","line\nbreak",""\n');
    expect([null, undefined, 0, -0, 12, 0.5, 1e-7, -2.5e-8, 1e21, 123456789012345680000].map(cellText)).toEqual([
      '',
      '',
      '0',
      '0',
      '12',
      '0.5',
      '0.0000001',
      '-0.000000025',
      '1000000000000000000000',
      '123456789012345680000'
    ]);
    expect(plainDecimal(1.5e300)).toBe(`15${'0'.repeat(299)}`);
    expect(() => plainDecimal(NaN)).toThrow(/cannot be written/);
  });

  it('reads what it writes, and refuses malformed CSV instead of guessing', () => {
    const values = ['x;y|z^w`v\tu', 'q"uote', 'multi\nline', ''];
    expect(parseCsvTable(csvLine(['h1', 'h2', 'h3', 'h4']) + csvLine(values))).toEqual({
      header: ['h1', 'h2', 'h3', 'h4'],
      rows: [values]
    });
    expect(parseCsvTable('')).toEqual({ header: [], rows: [] });
    expect(() => parseCsvTable('"a","b"\n"1"\n')).toThrow(/Invalid Record Length/);
    expect(() => parseCsvTable('"a"\n"unterminated\n')).toThrow();
    expect(() => parseCsvTable('"a"\nx"y\n')).toThrow();
  });
});

describe('clearing a field (Bulk API 2.0: an empty cell leaves it, #N/A clears it)', () => {
  const lines = (rows: Parameters<typeof prepare>[0], matching: Parameters<typeof prepare>[1]) => {
    const results: (IngestRowResult | undefined)[] = [];
    return prepare(rows, matching, results).map((s) => s.headerLine + s.rows.map((r) => r.line).join(''));
  };

  it('an upsert sends a field named as null as #N/A and a field the row does not name as empty', () => {
    const rows: SObjectRow[] = [
      { Key__c: 'A', Reason__c: null, Count__c: 3 },
      { Key__c: 'B', Count__c: 4 }
    ];
    expect(lines(rows, { kind: 'upsert', externalIdField: 'Key__c' })).toEqual([
      '"Key__c","Reason__c","Count__c"\n"A","#N/A","3"\n"B","","4"\n'
    ]);
  });

  it('a relationship column is never #N/A (it holds a parent key): its null goes empty', () => {
    const rows = [{ Key__c: 'A', 'Account__r.Usage_Account_Key__c': null, Note__c: null }];
    expect(lines(rows, { kind: 'upsert', externalIdField: 'Key__c' })).toEqual([
      '"Key__c","Account__r.Usage_Account_Key__c","Note__c"\n"A","","#N/A"\n'
    ]);
  });

  it('an insert has nothing to clear: its nulls go empty', () => {
    expect(lines([{ Subject: 'x', WhatId: null }], { kind: 'insert', resultKeys: ['t1'] })).toEqual([
      '"Subject","WhatId"\n"x",""\n'
    ]);
  });
});

describe('retry and polling', () => {
  it('retries only transient failures, with growing, jittered, capped delays', async () => {
    expect(isTransient(new ApiError('s', 503, 'SERVER_UNAVAILABLE', ''))).toBe(true);
    expect(isTransient(new ApiError('s', 429, 'REQUEST_LIMIT_EXCEEDED', ''))).toBe(true);
    expect(isTransient(new NetworkError('s', new Error('socket hang up')))).toBe(true);
    expect(isTransient(new ApiError('s', 400, 'INVALIDJOB', ''))).toBe(false);
    const policy = { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 8_000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, policy, () => 0))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, policy, () => 0.999999))).toEqual([1000, 2000, 4000, 8000, 8000]);

    let calls = 0;
    const waits: number[] = [];
    const timing: Timing = { ...noWait, sleep: async (ms) => void waits.push(ms) };
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new ApiError('s', 503, 'SERVER_UNAVAILABLE', 'down');
        },
        { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
        timing
      )
    ).rejects.toThrow(/HTTP 503/);
    expect([calls, waits]).toEqual([3, [75, 150]]);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new ApiError('s', 400, 'INVALIDJOB', 'bad');
        },
        FAST_RETRY,
        timing
      )
    ).rejects.toThrow(/HTTP 400/);
    expect(calls).toBe(1);
  });

  it('polls back off, and wait about as long as a job that reports progress says it needs', () => {
    const p = { initialDelayMs: 2_000, maxDelayMs: 60_000, factor: 2, maxWaitMs: 3_600_000, maxPolls: 100 };
    expect(nextPollDelay(undefined, p)).toBe(2_000);
    expect(nextPollDelay(2_000, p)).toBe(4_000);
    expect(nextPollDelay(40_000, p)).toBe(60_000);
    // 100k of 500k rows in 10 s: 40 s to go
    expect(nextPollDelay(4_000, p, { processed: 100_000, total: 500_000, elapsedMs: 10_000 })).toBe(40_000);
    expect(nextPollDelay(4_000, p, { processed: 1, total: 500_000, elapsedMs: 10_000 })).toBe(60_000);
  });
});

/** A scripted HTTP layer: each answer in turn; requests are recorded. */
function scripted(answers: (ApiResponse | Error)[]): { http: BulkHttp; requests: ApiRequest[] } {
  const requests: ApiRequest[] = [];
  const next = async (req: ApiRequest): Promise<ApiResponse> => {
    requests.push(req);
    const a = answers.shift();
    if (!a) throw new Error(`unexpected request ${req.method} ${req.path}`);
    if (a instanceof Error) throw a;
    return a;
  };
  const http = {
    ok: next,
    json: async (req: ApiRequest) => JSON.parse((await next(req)).body) as unknown
  } as unknown as BulkHttp;
  return { http, requests };
}

const info = (state: string) => ({ status: 200, headers: {}, body: JSON.stringify({ id: '750Q', state }) });
const page = (body: string, count: number, locator: string) => ({
  status: 200,
  headers: { 'sforce-numberofrecords': String(count), 'sforce-locator': locator },
  body
});

describe('bulkQuery paging rules', () => {
  it('asks again for a page shorter than Sforce-NumberOfRecords; takes a later page without a header line', async () => {
    const { http, requests } = scripted([
      info('UploadComplete'),
      info('JobComplete'),
      page('"K","V"\n"a","1"\n', 2, 'MTA'), // cut short: 1 row, header says 2
      page('"K","V"\n"a","1"\n"b","2"\n', 2, 'MTA'),
      page('"c","3"\n', 1, 'null') // no header line
    ]);
    const rows: string[][] = [];
    const n = await bulkQuery(
      http,
      'SELECT K, V FROM X__c',
      (h, r) => rows.push(...r.map((v) => [h.join('/'), ...v])),
      {
        retry: FAST_RETRY,
        poll: FAST_POLL,
        timing: noWait
      }
    );
    expect(n).toBe(3);
    expect(rows).toEqual([
      ['K/V', 'a', '1'],
      ['K/V', 'b', '2'],
      ['K/V', 'c', '3']
    ]);
    expect(requests.map((r) => r.path)).toEqual([
      'jobs/query',
      'jobs/query/750Q',
      'jobs/query/750Q/results?maxRecords=1000000',
      'jobs/query/750Q/results?maxRecords=1000000',
      'jobs/query/750Q/results?maxRecords=1000000&locator=MTA'
    ]);
  });

  it('a query job that fails, or a locator that repeats, is an error, not a short answer', async () => {
    const failed = scripted([
      info('UploadComplete'),
      { status: 200, headers: {}, body: JSON.stringify({ id: '750Q', state: 'Failed', errorMessage: 'boom' }) }
    ]);
    await expect(
      bulkQuery(failed.http, 'SELECT K FROM X__c', () => {}, { poll: FAST_POLL, timing: noWait })
    ).rejects.toThrow('query job 750Q ended Failed: boom');
    const looping = scripted([info('JobComplete'), page('"K"\n"a"\n', 1, 'MTA'), page('"K"\n"b"\n', 1, 'MTA')]);
    await expect(
      bulkQuery(looping.http, 'SELECT K FROM X__c', () => {}, { poll: FAST_POLL, timing: noWait })
    ).rejects.toThrow('query job 750Q repeated the result locator MTA');
  });
});
