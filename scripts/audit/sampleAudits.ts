/**
 * The sample world's hallucination audits: one deal in each gate state, each from a real-shaped run file under
 * data/sample/audits (written by sampleRuns.ts; a test holds the files equal to it). The world says when each run
 * was made (days before its today), so the states hold on any day; `gtm workbench` ingests them with the real
 * `gtm audit ingest` code after the usage sync.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Policy } from '../policy/policy';
import { addDays } from '../rules/ruleSupport';
import { createLocalSink } from '../store/localSink';
import type { LocalStore } from '../store/localStore';
import { REPO_ROOT } from '../lib/paths';
import { ingestAudit, type IngestResult } from './ingest';
import { auditCsv, deepevalRun, promptfooRun, promptHash, sampleCases, type SampleRunSpec } from './sampleRuns';

export const SAMPLE_AUDIT_DIR = path.join(REPO_ROOT, 'data', 'sample', 'audits');
export const SAMPLE_MODEL = 'openai:gpt-4.1-2025-04-14';
export const SAMPLE_OLD_MODEL = 'openai:gpt-4o-2024-08-06';
export const SAMPLE_PROMPT =
  'You answer customer support tickets only from the linked help-center articles. If they do not answer the question, hand the ticket to a human agent.';
export const SAMPLE_PROMPT_VERSION = promptHash(SAMPLE_PROMPT);

export interface SampleAudit {
  /** the deal (Opportunity.Name) */
  deal: string;
  file: string;
  /** the run was made this many days before the world's today */
  runDaysAgo: number;
  /** the state the deal's gate is in */
  expected: 'Passed' | 'Provisional' | 'Failed' | 'Pending' | 'Expired';
  /** what a human-audit CSV cannot say itself */
  model?: string;
  promptVersion?: string;
}

export const SAMPLE_AUDITS: readonly SampleAudit[] = [
  {
    deal: 'Zephyr Fitness - Member Support Pilot',
    file: 'zephyr-passed.promptfoo.json',
    runDaysAgo: 4,
    expected: 'Passed'
  },
  {
    deal: 'Oakridge Clinics - Patient Desk Pilot',
    file: 'oakridge-provisional.deepeval.json',
    runDaysAgo: 6,
    expected: 'Provisional'
  },
  {
    deal: 'Saltmarsh Cafe - Guest Chat Pilot',
    file: 'saltmarsh-critical.promptfoo-v2.json',
    runDaysAgo: 3,
    expected: 'Failed'
  },
  {
    deal: 'Thistle Florists - Order Help Pilot',
    file: 'thistle-pending.human.csv',
    runDaysAgo: 2,
    expected: 'Pending',
    model: SAMPLE_MODEL,
    promptVersion: SAMPLE_PROMPT_VERSION
  },
  {
    deal: 'Upland Outdoor - Trail Help Pilot',
    file: 'upland-old-model.promptfoo.json',
    runDaysAgo: 9,
    expected: 'Expired'
  }
];

function spec(runId: string, cases: SampleRunSpec['cases'], model = SAMPLE_MODEL, dataset = ''): SampleRunSpec {
  return {
    runId,
    // the world overrides the time (--run-at); the file keeps a real one
    timestamp: '2026-11-18T14:05:09.000Z',
    model,
    promptText: SAMPLE_PROMPT,
    judge: 'openai:gpt-4.1-mini',
    dataset,
    cases
  };
}

/** The files' contents, by name: what sampleRuns.ts makes of each deal's run. */
export function sampleAuditFiles(): Map<string, string> {
  const json = (v: unknown) => `${JSON.stringify(v)}\n`;
  return new Map([
    [
      'zephyr-passed.promptfoo.json',
      json(
        promptfooRun(
          spec(
            'eval-zeph-2611',
            sampleCases(300, { hallucinated: [41, 188], otherFails: [7, 90] }),
            SAMPLE_MODEL,
            'Zephyr Fitness tickets, Oct 2026, 300 sampled'
          )
        )
      )
    ],
    [
      'oakridge-provisional.deepeval.json',
      json(
        deepevalRun(
          spec(
            'oakridge-run-0611',
            sampleCases(201, { hallucinated: [57], error: [12] }),
            SAMPLE_MODEL,
            'Oakridge Clinics tickets, Oct 2026, 201 sampled'
          )
        )
      )
    ],
    [
      'saltmarsh-critical.promptfoo-v2.json',
      json(
        promptfooRun(
          spec(
            'eval-salt-2611',
            sampleCases(300, { critical: [23] }),
            SAMPLE_MODEL,
            'Saltmarsh Cafe tickets, Oct 2026, 300 sampled'
          ),
          2
        )
      )
    ],
    ['thistle-pending.human.csv', auditCsv(sampleCases(120, { hallucinated: [33] }))],
    [
      'upland-old-model.promptfoo.json',
      json(
        promptfooRun(
          spec(
            'eval-upl-1511',
            sampleCases(300, { hallucinated: [2] }),
            SAMPLE_OLD_MODEL,
            'Upland Outdoor tickets, Sep 2026, 300 sampled'
          )
        )
      )
    ]
  ]);
}

/** Ingests each sample audit into the store (the deals must exist), judged on `today`. */
export async function ingestSampleAudits(
  store: LocalStore,
  policy: Policy,
  today: string,
  dir = SAMPLE_AUDIT_DIR
): Promise<IngestResult[]> {
  const sink = createLocalSink(store); // not closed: the caller keeps using the store
  const opps = await sink.load('Opportunity', 'Name', ['Id']);
  const out: IngestResult[] = [];
  for (const a of SAMPLE_AUDITS) {
    const opp = opps.get(a.deal);
    if (!opp) throw new Error(`the sample world has no Opportunity ${a.deal} for ${a.file}`);
    out.push(
      await ingestAudit(
        path.join(dir, a.file),
        {
          format: 'auto',
          opportunity: String(opp.Id),
          dryRun: false,
          today,
          runAt: `${addDays(today, -a.runDaysAgo)}T10:00:00Z`,
          model: a.model,
          promptVersion: a.promptVersion
        },
        sink,
        policy
      )
    );
  }
  return out;
}

/** Writes the sample files (run by hand after changing sampleRuns.ts: npx tsx scripts/audit/sampleAudits.ts). */
export function writeSampleAuditFiles(dir = SAMPLE_AUDIT_DIR): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of sampleAuditFiles()) fs.writeFileSync(path.join(dir, name), content);
}

if (require.main === module) writeSampleAuditFiles();
