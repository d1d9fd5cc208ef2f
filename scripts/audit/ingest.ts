/**
 * `gtm audit ingest`: one eval run file -> one Hallucination_Audit__c, its items, and the deal's gate. Everything is
 * read and judged before anything is written: a file of the wrong kind, an unknown version, too many errors or a
 * missing run detail stops with one message and writes nothing. The same file twice writes nothing (its sha256 is
 * stored on the audit, last, so an interrupted write is redone by the next run).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeCrmEvents } from '../events/crmEvent';
import { describeFsError, InputError } from '../lib/errors';
import { displayPath } from '../lib/paths';
import { plural } from '../lib/text';
import type { Policy } from '../policy/policy';
import { judgeHallucinationGate, round6, wilson, type HallucinationGateResult } from '../rules/hallucinationGateRule';
import { parseInstant, whyNotInstant } from '../usage/instant';
import type { SObjectRow } from '../usage/records';
import type { UsageSink } from '../usage/sink';
import { looksLikeAuditCsv, readAuditCsv } from './adapters/csv';
import { DEEPEVAL_DEFAULT_METRICS, looksLikeDeepEval, readDeepEval } from './adapters/deepeval';
import { looksLikePromptfoo, readPromptfoo } from './adapters/promptfoo';
import {
  AUDIT_OBJECT,
  auditRunOf,
  currentItems,
  gateRow,
  GATE_OBJECT,
  ITEM_OBJECT,
  judgeDeal,
  loadAudits,
  loadItems,
  type DealGate
} from './dealGate';
import { AdapterError, type RunFile } from './runFile';
import { keptCases, summarize, type AuditSummary } from './summary';
import { boundedJson, fieldLength as fieldLengthOf, fit } from './limits';

export type AuditFormat = 'auto' | 'promptfoo' | 'deepeval' | 'csv';
export const AUDIT_FORMATS: readonly AuditFormat[] = ['auto', 'promptfoo', 'deepeval', 'csv'];
export const PROMPTFOO_DEFAULT_METRIC = 'hallucination';

const FORMAT_NAMES: Record<Exclude<AuditFormat, 'auto'>, string> = {
  promptfoo: 'a promptfoo results file',
  deepeval: 'a DeepEval test run',
  csv: 'a human audit CSV'
};

export interface ReadOptions {
  format: AuditFormat;
  /** promptfoo: the assertion metric; DeepEval: metric names, comma-separated */
  metric?: string;
  model?: string;
  promptVersion?: string;
  /** ISO date or timestamp */
  runAt?: string;
}

export interface ReadAudit {
  file: string;
  sha256: string;
  format: Exclude<AuditFormat, 'auto'>;
  run: RunFile['run'] & { runAt: string; model: string; promptVersion: string };
  metric: string;
  summary: AuditSummary;
}

/** What a file is, from its content: the adapters' own recognisers. */
function detect(text: string, json: unknown): Exclude<AuditFormat, 'auto'> | null {
  if (json !== undefined) {
    if (looksLikePromptfoo(json)) return 'promptfoo';
    if (looksLikeDeepEval(json)) return 'deepeval';
    return null;
  }
  return looksLikeAuditCsv(text) ? 'csv' : null;
}

/** Reads, adapts and summarizes a run file; writes nothing. Every refusal is an InputError naming the file. */
export function readAuditFile(file: string, options: ReadOptions, policy: Policy): ReadAudit {
  const shown = displayPath(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new InputError(`cannot read ${shown}: ${describeFsError(err)}`);
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let json: unknown;
  if (/^\s*[[{]/.test(text)) {
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new InputError(`${shown} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const seen = detect(text, json);
  const format = options.format === 'auto' ? seen : options.format;
  if (format === null)
    throw new InputError(
      `${shown} is not a run file gtm can read: expected ${Object.values(FORMAT_NAMES).join(', ')} (--format names which)`
    );
  if (seen !== format)
    throw new InputError(
      `${shown} is not ${FORMAT_NAMES[format]} (--format ${format})${seen ? `: it looks like ${FORMAT_NAMES[seen]}` : ''}; nothing was written`
    );
  const name = path.basename(file);
  let read: RunFile;
  try {
    if (format === 'promptfoo') read = readPromptfoo(json, options.metric ?? PROMPTFOO_DEFAULT_METRIC, name);
    else if (format === 'deepeval')
      read = readDeepEval(
        json,
        options.metric
          ? options.metric
              .split(',')
              .map((m) => m.trim())
              .filter(Boolean)
          : DEEPEVAL_DEFAULT_METRICS,
        name
      );
    else read = readAuditCsv(file, shown, name);
  } catch (err) {
    if (err instanceof AdapterError) throw new InputError(`${shown}: ${err.message}; nothing was written`);
    throw err;
  }

  const runAt = options.runAt ?? read.run.runAt;
  const model = options.model ?? read.run.model;
  const promptVersion = options.promptVersion ?? read.run.promptVersion;
  const missing = [
    runAt ? null : '--run-at (when the run was made)',
    model ? null : '--model (the model under test)',
    promptVersion ? null : '--prompt-version (the prompt version tested)'
  ].filter((m): m is string => m !== null);
  if (missing.length)
    throw new InputError(`${shown} does not say ${missing.length > 1 ? 'these' : 'this'}; pass ${missing.join(', ')}`);
  const runAtIso = runInstant(runAt!);
  if (runAtIso === null)
    throw new InputError(
      `${shown}: run time ${JSON.stringify(runAt)} (${options.runAt ? '--run-at' : read.run.tool === 'promptfoo' ? 'results.timestamp' : 'the run time in the file'}) ${whyNotRunTime(runAt!)}; nothing was written`
    );

  const summary = summarize(read.rows, policy.boolean('Hallucination_Unstable_As_Fail'));
  if (summary.cases === 0) throw new InputError(`${shown} has no cases; nothing was written`);
  const maxErrors = policy.decimal('Audit_Max_Error_Rate');
  if (summary.error / summary.cases > Number(maxErrors))
    throw new InputError(
      `${shown}: ${summary.error} of ${plural(summary.cases, 'case')} errored, more than Audit_Max_Error_Rate ${maxErrors} allows; fix the eval run and ingest it again (nothing was written)`,
      {
        details: summary.verdicts
          .filter((c) => c.verdict === 'error')
          .slice(0, 5)
          .map((c) => `${c.caseId}: ${c.repeats[0]?.reason ?? ''}`)
      }
    );
  return {
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    format,
    run: { ...read.run, runAt: runAtIso, model: model!, promptVersion: promptVersion! },
    metric: read.metric,
    summary
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A run time as an ISO UTC instant, or null: a day (YYYY-MM-DD, taken as midnight UTC) or an instant in the forms the
 * usage sync takes (parseInstant: an offset is applied, a basic-format offset or an impossible date is refused).
 */
export function runInstant(text: string): string | null {
  const ns = parseInstant(DAY.test(text) ? `${text}T00:00:00Z` : text);
  if (ns === undefined) return null;
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

/** Why runInstant refused `text`, for a person. */
export function whyNotRunTime(text: string): string {
  return DAY.test(text) ? 'is not a real date' : `${whyNotInstant(text)}, or a day written YYYY-MM-DD`;
}

export interface IngestOptions extends ReadOptions {
  opportunity: string;
  dryRun: boolean;
  /** YYYY-MM-DD: the day the gate is judged on */
  today: string;
  onProgress?: (message: string) => void;
}

export interface IngestResult {
  status: 'written' | 'unchanged' | 'dry-run';
  auditKey: string;
  /** when unchanged: the audit the same file was stored as */
  existing?: string;
  read: ReadAudit;
  /** the gate on this audit alone */
  auditGate: HallucinationGateResult;
  /** the deal's gate, all its current audits pooled */
  dealGate: DealGate;
  items: number;
  /**
   * when this file replaces the audit stored under the same run (a newer file of that run): the file it replaces
   * and how many of that file's items stay on record, no longer counted or listed
   */
  replaced?: { sha256: string | null; itemsKept: number };
  failed: { key: string; error: string }[];
}

const MAX_UNSTABLE_LISTED = 50;

/** The audit record; `gate` is null for the draft judged before the deal's verdict is known. */
function auditRow(
  r: ReadAudit,
  key: string,
  deal: Pick<DealGate['deal'], 'id' | 'accountId'>,
  gate: HallucinationGateResult | null,
  withHash: boolean
): SObjectRow {
  const s = r.summary;
  const w = s.responses > 0 ? wilson(s.hallucinated, s.responses) : null;
  const unstable = s.verdicts.filter((c) => c.unstable);
  const evidence = {
    format: r.format,
    metric: r.metric,
    cases: s.cases,
    pass: s.pass,
    hallucinated: s.hallucinated,
    error: s.error,
    bySeverity: s.bySeverity,
    byCategory: s.byCategory,
    unstable: unstable.slice(0, MAX_UNSTABLE_LISTED).map((c) => ({ caseId: c.caseId, repeats: c.repeats })),
    unstableNotListed: Math.max(0, unstable.length - MAX_UNSTABLE_LISTED)
  };
  const A = AUDIT_OBJECT;
  return {
    Audit_Key__c: key,
    Name: fit(A, 'Name', `${r.run.tool} ${r.run.runId}`),
    Opportunity__c: deal.id,
    Account__c: deal.accountId,
    Source_Tool__c: r.run.tool,
    Run_Id__c: fit(A, 'Run_Id__c', r.run.runId),
    Run_At__c: r.run.runAt,
    Model_Under_Test__c: fit(A, 'Model_Under_Test__c', r.run.model),
    Prompt_Version__c: fit(A, 'Prompt_Version__c', r.run.promptVersion),
    Judge__c: fit(A, 'Judge__c', r.run.judge),
    Dataset__c: fit(A, 'Dataset__c', r.run.dataset),
    Dataset_Sha256__c: r.run.datasetSha256,
    File_Sha256__c: withHash ? r.sha256 : null,
    Repeats__c: s.repeats,
    Cases__c: s.cases,
    Responses__c: s.responses,
    Hallucinated__c: s.hallucinated,
    Critical__c: s.critical,
    // a new file's items carry no human verdict yet: the judge's counts are the audit's
    Judge_Hallucinated__c: s.hallucinated,
    Judge_Critical__c: s.critical,
    Human_Overrides__c: 0,
    Unstable__c: s.unstable,
    Unscored__c: s.error,
    Rate__c: s.responses > 0 ? round6(s.hallucinated / s.responses) : null,
    Wilson_Low__c: w ? round6(w.low) : null,
    Wilson_High__c: w ? round6(w.high) : null,
    Upper_Bound_95__c: w ? round6(w.upper) : null,
    // a human audit's second reviews: the share of double-reviewed cases both reviewers judged alike
    Human_Agreement__c: r.format === 'csv' && s.multiScored > 0 ? round6(s.agreed / s.multiScored) : null,
    Gate_Status__c: gate?.status ?? null,
    Gate_Reasons__c: fit(A, 'Gate_Reasons__c', gate?.reasons.join('\n') || null),
    Evidence__c: boundedJson(evidence, ['unstable', 'byCategory'], fieldLengthOf(A, 'Evidence__c'))
  };
}

/**
 * An item's key names its file: a newer file of the same run writes new items (no human verdict of the old file's
 * responses carries over), and the old file's items stay on record under their own File_Sha256__c, not counted.
 */
export const itemKeyOf = (auditKey: string, fileSha256: string, caseId: string) =>
  fit(ITEM_OBJECT, 'Item_Key__c', `${auditKey}|${fileSha256.slice(0, 12)}|${caseId}`)!;

function itemRows(r: ReadAudit, key: string, passing: number): SObjectRow[] {
  const I = ITEM_OBJECT;
  return keptCases(r.summary, passing).map((c) => ({
    Item_Key__c: itemKeyOf(key, r.sha256, c.caseId),
    Name: fit(I, 'Name', c.caseId),
    'Audit__r.Audit_Key__c': key,
    File_Sha256__c: r.sha256,
    Case_Id__c: fit(I, 'Case_Id__c', c.caseId),
    Category__c: fit(I, 'Category__c', c.category),
    Severity__c: c.severity,
    Verdict__c: c.verdict === 'error' ? null : c.verdict,
    Unstable__c: c.unstable ? 'true' : 'false',
    Repeat_Verdicts__c: fit(I, 'Repeat_Verdicts__c', c.repeats.map((x) => x.verdict).join(';')),
    Judge_Reason__c: fit(
      I,
      'Judge_Reason__c',
      c.unstable
        ? c.repeats.map((x, i) => `repeat ${i + 1} (${x.verdict}): ${x.reason}`).join('\n')
        : (c.repeats.find((x) => x.verdict === c.verdict)?.reason ?? '')
    )
  }));
}

export async function ingestAudit(
  file: string,
  options: IngestOptions,
  sink: UsageSink,
  policy: Policy
): Promise<IngestResult> {
  const read = readAuditFile(file, options, policy);
  const key = fit(AUDIT_OBJECT, 'Audit_Key__c', `${options.opportunity}|${read.run.runId}`)!;
  const stored = await loadAudits(sink);
  const same = [...stored].find(([, row]) => row.File_Sha256__c === read.sha256);
  const previous = same ? undefined : stored.get(key);
  // the deal is judged with this run counted as if stored (unless the same file is stored already)
  const draft = auditRow(read, key, { id: options.opportunity, accountId: null }, null, true);
  const dealGate = await judgeDeal(
    sink,
    options.opportunity,
    policy,
    options.today,
    same ? undefined : { key, row: draft }
  );
  const thisRun = auditRunOf(key, draft)!;
  const auditGate = judgeHallucinationGate({ ...dealGate.input, audits: [thisRun] }, policy, options.today);
  const base = { auditKey: key, read, auditGate, dealGate, items: 0, failed: [] as IngestResult['failed'] };
  if (same) {
    // its event, if a run that stored the audit could not write it
    if (!options.dryRun) base.failed.push(...(await writeCompletedEvent(sink, same[0], options.today)));
    return { ...base, status: 'unchanged', existing: same[0] };
  }

  const deal = dealGate.deal;
  const items = itemRows(read, key, policy.integer('Hallucination_Audit_Passing_Items'));
  const replaced = previous ? await replacedFile(sink, key, previous) : undefined;
  if (options.dryRun) return { ...base, status: 'dry-run', items: items.length, replaced };

  const failed: IngestResult['failed'] = [];
  const write = async (object: string, extId: string, rows: SObjectRow[]) => {
    if (!rows.length) return;
    const results = await sink.upsert(object, extId, rows, options.onProgress);
    for (const r of results) if (!r.ok) failed.push({ key: `${object} ${r.key}`, error: r.error ?? 'failed' });
  };
  // the file hash goes on last: until it is there, the audit does not count and a re-run writes it all again
  await write(AUDIT_OBJECT, 'Audit_Key__c', [auditRow(read, key, deal, auditGate, false)]);
  if (!failed.length) await write(ITEM_OBJECT, 'Item_Key__c', items);
  if (!failed.length) await write(GATE_OBJECT, 'Gate_Key__c', [gateRow(dealGate, policy)]);
  if (!failed.length) await write(AUDIT_OBJECT, 'Audit_Key__c', [auditRow(read, key, deal, auditGate, true)]);
  if (!failed.length) failed.push(...(await writeCompletedEvent(sink, key, options.today)));
  return { ...base, status: 'written', items: items.length, replaced, failed };
}

/**
 * The tracking plan's Hallucination Audit Completed for an audit stored whole, into a local store (in an org the
 * audit's Apex trigger publishes it: GtmFunnelEventPublisher.auditsCompleted, the same id, properties and once per
 * audit): passed is the audit's own gate Passed, sample_size its scored responses; it occurred on the day the gate
 * was judged. An account without a usage key has no event (the row's account is found by it).
 */
async function writeCompletedEvent(sink: UsageSink, auditKey: string, today: string): Promise<IngestResult['failed']> {
  if (sink.runsCrmTriggers) return [];
  const audit = (
    await sink.load(AUDIT_OBJECT, 'Audit_Key__c', [
      'Id',
      'Opportunity__c',
      'Account__r.Usage_Account_Key__c',
      'Gate_Status__c',
      'Responses__c',
      'File_Sha256__c'
    ])
  ).get(auditKey);
  const accountKey = audit?.['Account__r.Usage_Account_Key__c'];
  if (!audit?.File_Sha256__c || !audit.Gate_Status__c || audit.Responses__c === null || !accountKey) return [];
  const results = await writeCrmEvents(sink, [
    {
      name: 'Hallucination Audit Completed',
      subject: String(audit.Id),
      occurredAt: `${today}T00:00:00.000Z`,
      accountKey: String(accountKey),
      source: 'gtm audit ingest',
      properties: {
        opportunity_id: String(audit.Opportunity__c),
        passed: audit.Gate_Status__c === 'Passed',
        sample_size: Number(audit.Responses__c)
      }
    }
  ]);
  return results.filter((r) => !r.ok).map((r) => ({ key: `Funnel_Event__c ${r.key}`, error: r.error ?? 'failed' }));
}

/** The stored file a new file of the same run replaces, and how many of its items stay on record uncounted. */
async function replacedFile(
  sink: UsageSink,
  key: string,
  previous: SObjectRow
): Promise<NonNullable<IngestResult['replaced']>> {
  const itemsKept = currentItems({ ...previous, Audit_Key__c: key }, await loadItems(sink)).length;
  const sha = previous.File_Sha256__c;
  return { sha256: sha === null || sha === undefined ? null : String(sha), itemsKept };
}
