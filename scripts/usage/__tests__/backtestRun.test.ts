import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GtmError, InputError } from '../../lib/errors';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile, Policy } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import { LocalStore } from '../../store/localStore';
import { ticketCsv, WeekPlan } from '../../test-support/ticketExport';
import { FALSE_POSITIVE, outcomeWindow, TRUE_POSITIVE } from '../backtest';
import { readOutcomesFile, runBacktest } from '../backtestRun';
import { isoWeekLabel, weekIndexOfLabel, weekStartMs } from '../isoWeek';
import { FOLLOW_UP_TASK_FIELD, OUTCOME_FIELDS, TRIGGER_FIELDS, TRIGGER_OBJECT } from '../records';
import type { UsageSink } from '../sink';
import { runUsageSync } from '../sync';
import { thresholdsFromPolicy } from '../triggerRules';

jest.setTimeout(60_000);

const shadow = loadPolicyFile();
const live = new Policy(
  { ...shadow.entries, Expansion_Mode: { ...shadow.entry('Expansion_Mode'), value: 'live' } },
  shadow.version,
  'test'
);
const schema = loadSchema();
const t = thresholdsFromPolicy(shadow);
const W = weekIndexOfLabel('2026-W10')!;
const windowDays = shadow.integer('Expansion_Outcome_Window_Days');
const minSample = shadow.integer('Expansion_Backtest_Min_Sample');
const fired = isoWeekLabel(W + t.consecutiveWeeks - 1);
const win = outcomeWindow(fired, windowDays)!;
const accounts = Array.from({ length: minSample }, (_, i) => `acct-${String(i).padStart(3, '0')}`);
const plans: WeekPlan[] = accounts.flatMap((account) =>
  Array.from({ length: t.consecutiveWeeks }, (_, w) => ({
    account,
    weekIndex: W + w,
    total: t.minTickets,
    ai: t.minTickets
  }))
);

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-backtest-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function withSink<T>(fn: (sink: UsageSink, store: LocalStore) => Promise<T>): Promise<T> {
  const store = await LocalStore.open(path.join(dir, 'store.duckdb'), schema);
  const sink = createLocalSink(store, { createMissingParents: true });
  try {
    return await fn(sink, store);
  } finally {
    await sink.close();
  }
}

function file(name: string, text: string): string {
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
}

/** outcomes for all but `misses` accounts, inside their windows */
const outcomes = (misses: number) =>
  file(
    'outcomes.csv',
    `account_id,outcome_date\n${accounts
      .slice(misses)
      .map((a) => `${a},${new Date(win.startMs + 86_400_000).toISOString().slice(0, 10)}`)
      .join('\n')}\n`
  );

const syncAt = (policy: Policy, asOfMs: number, forceLive?: string) =>
  withSink((sink) =>
    runUsageSync(
      { input: path.join(dir, 'tickets.csv'), asOfMs, dryRun: false, maxRejectRate: 0.01, forceLive },
      policy,
      sink
    )
  );

describe('backtest and live mode', () => {
  beforeEach(() => file('tickets.csv', ticketCsv(plans)));

  it('labels every trigger whose window closed, writes the labels, and reports the rate', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    const early = await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs - 1, outcomesFile: outcomes(2), dryRun: false })
    );
    expect(early.report).toMatchObject({ n: 0, pending: minSample, met: false });
    const r = await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: outcomes(2), dryRun: false })
    );
    expect(r.report).toMatchObject({
      n: minSample,
      falsePositives: 2,
      truePositives: minSample - 2,
      met: 2 / minSample < shadow.number('Expansion_Max_False_Positive_Rate')
    });
    expect(r.writes).toEqual({ written: minSample, failed: 0 });
    // before: a re-run on the same outcomes wrote every label again (labelsWritten 30, nothing changed)
    const again = await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: outcomes(2), dryRun: false })
    );
    expect(again.writes).toEqual({ written: 0, failed: 0 });
    expect(again.report).toMatchObject({ n: minSample, falsePositives: 2 });
    const labels = await withSink((sink) => sink.load(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [OUTCOME_FIELDS.label]));
    const counts = [...labels.values()].reduce(
      (m, row) => m.set(row[OUTCOME_FIELDS.label], (m.get(row[OUTCOME_FIELDS.label]) ?? 0) + 1),
      new Map()
    );
    expect(counts).toEqual(
      new Map([
        [TRUE_POSITIVE, minSample - 2],
        [FALSE_POSITIVE, 2]
      ])
    );
  });

  // before: an expansion of an account that never fired a trigger was dropped without a word
  it('counts the outcomes no trigger window holds and names the accounts that never fired a trigger', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const f = file(
      'outcomes.csv',
      `account_id,outcome_date\n${accounts[0]},${day(win.startMs + 86_400_000)}\n${accounts[1]},${day(win.endMs + 86_400_000)}\nnever-fired,${day(win.startMs)}\nalso-quiet,${day(win.startMs)}\n`
    );
    const r = await withSink((sink) => runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: f, dryRun: true }));
    expect(r.outcomes).toBe(4);
    // acct-001's expansion came after its window, and two accounts have no trigger at all
    expect(r.unmatchedOutcomes).toEqual({ count: 3, accountsWithoutTrigger: 2, keys: ['also-quiet', 'never-fired'] });
  });

  it('reads what CS Ops decided next to the outcomes: dismissal reasons feed the false-positive measurement', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    const decide = (account: string, status: string, reason: string | null) => ({
      [TRIGGER_FIELDS.key]: `${account}|${fired}`,
      [TRIGGER_FIELDS.status]: status,
      Decision_Reason__c: reason
    });
    // outcomes(2): acct-000 and acct-001 have no expansion in the window (false positives)
    const written = await withSink((sink) =>
      sink.upsert(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [
        decide(accounts[0]!, 'Dismissed', 'test account'),
        decide(accounts[1]!, 'Dismissed', 'seasonal spike'),
        decide(accounts[2]!, 'Dismissed', '  seasonal   spike '),
        decide(accounts[3]!, 'Accepted', null)
      ])
    );
    expect(written.every((w) => w.ok)).toBe(true);
    const r = await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: outcomes(2), dryRun: true })
    );
    expect(r.decisions).toEqual({
      accepted: 1,
      acceptedTruePositives: 1,
      dismissed: 3,
      dismissedFalsePositives: 2,
      reasons: [
        { reason: 'seasonal spike', count: 2, falsePositives: 1 },
        { reason: 'test account', count: 1, falsePositives: 1 }
      ]
    });
    // a decision never changes the label: the rate is measured on outcomes alone
    expect(r.report).toMatchObject({ n: minSample, falsePositives: 2 });
  });

  it('live mode refuses to start until the backtest meets the target, and the override is recorded', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    await withSink((sink) =>
      runBacktest(sink, shadow, {
        asOfMs: win.endMs,
        outcomesFile: outcomes(minSample),
        dryRun: false,
        allowEmptyOutcomes: true
      })
    );
    const refused = await syncAt(live, win.endMs).catch((e) => e);
    expect(refused).toBeInstanceOf(GtmError);
    expect(refused.message).toMatch(/^live mode refused: false-positive rate 100.0% .* nothing was written$/);
    const forced = await syncAt(live, win.endMs, 'board asked for a pilot of live alerts');
    expect(forced.summary.live_override).toEqual({
      reason: 'board asked for a pilot of live alerts',
      backtest: expect.stringContaining('100.0%')
    });
  });

  // before: "no trigger has a closed outcome window yet", which sent people to wait instead of to run the backtest
  it('live mode on triggers whose windows closed but were never labelled says to run the backtest', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    const refused = await syncAt(live, win.endMs).catch((e) => e);
    expect(refused).toBeInstanceOf(GtmError);
    expect(refused.message).toMatch(
      new RegExp(
        `live mode refused: ${minSample} triggers have a closed outcome window but no label: run gtm usage backtest first`
      )
    );
    // before the windows close, waiting is the answer
    const early = await syncAt(live, win.endMs - 1).catch((e) => e);
    expect(early.message).toMatch(/no trigger has a closed outcome window yet \(\d+ pending\)/);
  });

  it('once the backtest is met, live triggers open and their account owners get a Task with the playbook', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: outcomes(0), dryRun: false })
    );
    // new weeks after the cooldown fire again, now live
    const later: WeekPlan[] = accounts.slice(0, 2).flatMap((account) =>
      Array.from({ length: t.consecutiveWeeks }, (_, w) => ({
        account,
        weekIndex: W + t.cooldownWeeks + w + 2,
        total: t.minTickets,
        ai: t.minTickets
      }))
    );
    file('tickets.csv', ticketCsv(later, 'later'));
    const r = await syncAt(live, win.endMs);
    expect(r.summary).toMatchObject({
      mode: 'live',
      triggers: 2,
      follow_up_tasks: { created: 2, found: 0, failed: 0, ids_not_recorded: 0 }
    });
    expect(r.triggers.map((x) => x.row[TRIGGER_FIELDS.status])).toEqual(['Open', 'Open']);
    const tasks = await withSink(async (_s, store) =>
      (await store.db.runAndReadAll(`SELECT "Subject", "Description", "WhatId" FROM "Task"`)).getRowObjects()
    );
    expect(tasks).toHaveLength(2);
    expect(String(tasks[0]!.Description)).toContain(shadow.text('Expansion_Playbook'));
  });
});

describe('the export after a backtest', () => {
  // before: expansion_triggers.csv had no label, so the backtest's verdict per trigger was only in the store
  it("lists each trigger's outcome label and window end", async () => {
    file('tickets.csv', ticketCsv(plans));
    await syncAt(shadow, weekStartMs(W + 10));
    await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: outcomes(1), dryRun: false })
    );
    const out = path.join(dir, 'out');
    await withSink((sink) =>
      runUsageSync(
        { input: path.join(dir, 'tickets.csv'), asOfMs: win.endMs, dryRun: false, maxRejectRate: 0.01, exportDir: out },
        shadow,
        sink
      )
    );
    const [head, ...rows] = fs
      .readFileSync(path.join(out, 'expansion_triggers.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const at = (name: string) => head!.indexOf(name);
    expect(at('outcome_label')).toBeGreaterThan(-1);
    const byAccount = new Map(rows.map((r) => [r[at('account_id')], r]));
    const end = new Date(win.endMs).toISOString().slice(0, 10);
    expect(byAccount.get('acct-000')!.slice(at('outcome_label'))).toEqual([FALSE_POSITIVE, end]);
    expect(byAccount.get('acct-001')!.slice(at('outcome_label'))).toEqual([TRUE_POSITIVE, end]);
  });
});

describe('live follow-up Tasks', () => {
  beforeEach(() => file('tickets.csv', ticketCsv(plans)));

  it('a Task owed by an interrupted run is created by the next one, once', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: outcomes(0), dryRun: false })
    );
    const later: WeekPlan[] = Array.from({ length: t.consecutiveWeeks }, (_, w) => ({
      account: accounts[0]!,
      weekIndex: W + t.cooldownWeeks + w + 2,
      total: t.minTickets,
      ai: t.minTickets
    }));
    file('tickets.csv', ticketCsv(later, 'later'));
    // the run dies while creating Tasks, after its Open trigger was written
    await withSink(async (sink) => {
      const dying: UsageSink = {
        ...sink,
        label: sink.label,
        load: sink.load.bind(sink),
        upsert: sink.upsert.bind(sink),
        loadOutcomes: sink.loadOutcomes.bind(sink),
        createFollowUpTasks: async () => {
          throw new Error('connection lost');
        },
        close: async () => {}
      };
      await expect(
        runUsageSync(
          { input: path.join(dir, 'tickets.csv'), asOfMs: win.endMs, dryRun: false, maxRejectRate: 0.01 },
          live,
          dying
        )
      ).rejects.toThrow('connection lost');
    });
    const next = await syncAt(live, win.endMs);
    expect(next.summary.follow_up_tasks).toEqual({ created: 1, found: 0, failed: 0, ids_not_recorded: 0 });
    const stored = await withSink((sink) =>
      sink.load(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [TRIGGER_FIELDS.status, FOLLOW_UP_TASK_FIELD])
    );
    const open = [...stored.values()].filter((r) => r[TRIGGER_FIELDS.status] === 'Open');
    expect(open).toHaveLength(1);
    expect(String(open[0]![FOLLOW_UP_TASK_FIELD])).toMatch(/^00T/);
    const third = await syncAt(live, win.endMs);
    expect(third.summary.follow_up_tasks).toEqual({ created: 0, found: 0, failed: 0, ids_not_recorded: 0 });
  });
});

describe('outcomes file', () => {
  it('names the line and field of a bad date', () => {
    const f = file('o.csv', 'account_id,outcome_date\nacme,2026-05-01\nglobex,May 3rd\n');
    expect(() => readOutcomesFile(f)).toThrow(InputError);
    expect(() => readOutcomesFile(f)).toThrow(/o.csv:3 \[outcome_date\]: "May 3rd" is not a date/);
  });

  it('takes the header forms a ticket export takes: trimmed, any case, extra columns, a BOM', () => {
    const f = file('o.csv', '\ufeff Account_ID ,OUTCOME_DATE,notes\r\nacme , 2026-05-01 ,upsell\r\n');
    expect(readOutcomesFile(f)).toEqual([{ accountKey: 'acme', dateMs: Date.UTC(2026, 4, 1), line: 2 }]);
    // and UTF-16 with its byte order mark, as Excel saves it
    fs.writeFileSync(
      f,
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('account_id,outcome_date\r\nacme,2026-05-01\r\n', 'utf16le')
      ])
    );
    expect(readOutcomesFile(f)).toHaveLength(1);
  });

  it('refuses a column named twice, naming both positions, and bytes that are not UTF-8', () => {
    const dup = file('o.csv', 'account_id,outcome_date,Account_Id\nacme,2026-05-01,globex\n');
    expect(() => readOutcomesFile(dup)).toThrow(/o.csv:1: column account_id appears 2 times \(columns 1 and 3\)/);
    fs.writeFileSync(dup, Buffer.from('account_id,outcome_date\nCaf\xe9,2026-05-01\n', 'latin1'));
    expect(() => readOutcomesFile(dup)).toThrow(/o.csv: line 2, byte offset 27: not valid UTF-8 \(byte 0xE9\)/);
  });
});

describe('a backtest without outcomes', () => {
  beforeEach(() => file('tickets.csv', ticketCsv(plans)));
  const labels = () =>
    withSink(async (sink) =>
      [...(await sink.load(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [OUTCOME_FIELDS.label])).values()].map(
        (row) => row[OUTCOME_FIELDS.label]
      )
    );

  it('is refused when the outcomes file has none, and the stored labels stay', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: outcomes(0), dryRun: false })
    );
    expect(new Set(await labels())).toEqual(new Set([TRUE_POSITIVE]));
    const empty = file('empty.csv', 'account_id,outcome_date\n');
    const err = await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: empty, dryRun: false })
    ).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/no expansion outcomes in .*empty\.csv: .*nothing was labelled/);
    expect(err.details.join('\n')).toMatch(/--allow-empty-outcomes/);
    expect(new Set(await labels())).toEqual(new Set([TRUE_POSITIVE]));
    // with the flag it labels, and says that every label it turned was True Positive before
    const allowed = await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: empty, dryRun: false, allowEmptyOutcomes: true })
    );
    expect(allowed.report).toMatchObject({ n: minSample, falsePositives: minSample });
    expect(allowed.labelChanges).toMatchObject({ labelled: 0, upgraded: 0 });
    expect(allowed.labelChanges.downgraded).toHaveLength(minSample);
  });

  it('is refused when the store has no expansion Opportunity', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    await expect(withSink((sink) => runBacktest(sink, shadow, { asOfMs: win.endMs, dryRun: false }))).rejects.toThrow(
      /no expansion outcomes in expansion Opportunities .*nothing was labelled/
    );
  });

  it('says which labels turned from True to False Positive', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    const first = await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: outcomes(0), dryRun: false })
    );
    expect(first.labelChanges).toEqual({ labelled: minSample, upgraded: 0, downgraded: [] });
    const second = await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: outcomes(2), dryRun: false })
    );
    expect(second.labelChanges.downgraded.map((d) => d.accountKey)).toEqual(['acct-000', 'acct-001']);
    expect(second.labelChanges.downgraded[0]).toMatchObject({ isoWeek: fired });
  });
  // before: "ACCT-000" matched nothing, so acct-000's trigger silently became a false positive
  it('refuses an outcomes file whose account keys differ from a trigger account only in case, naming the lines', async () => {
    await syncAt(shadow, weekStartMs(W + 10));
    const date = new Date(win.startMs + 86_400_000).toISOString().slice(0, 10);
    const rows = accounts.map((a, i) => `${i < 2 ? a.toUpperCase() : a},${date}`);
    const cased = file('cased.csv', `account_id,outcome_date\n${rows.join('\n')}\nnot-a-trigger-account,${date}\n`);
    const err = await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: cased, dryRun: false })
    ).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /2 account_id values differ from a trigger's account only in case; nothing was labelled/
    );
    expect(err.details.join('\n')).toMatch(/cased\.csv:2.*"ACCT-000" is no account with triggers; "acct-000" is/);
    expect(err.details.join('\n')).toMatch(/cased\.csv:3.*"ACCT-001"/);
    expect(await labels()).not.toContain(FALSE_POSITIVE);
    // an outcome for an account without triggers (no case twin) is an expansion the triggers missed: fine
    const fixed = file(
      'fixed.csv',
      `account_id,outcome_date\n${accounts.map((a) => `${a},${date}`).join('\n')}\nother,${date}\n`
    );
    const ok = await withSink((sink) =>
      runBacktest(sink, shadow, { asOfMs: win.endMs, outcomesFile: fixed, dryRun: false })
    );
    expect(ok.report).toMatchObject({ n: minSample, falsePositives: 0 });
  });
});
