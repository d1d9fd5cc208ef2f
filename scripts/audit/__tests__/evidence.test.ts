/** `gtm audit evidence`: the sheet's content from the store, and a PDF whose text reads back (pdftotext). */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPolicyFile } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import { runGtm } from '../../test-support/runGtm';
import { gatherEvidence, renderHtml, renderMarkdown } from '../evidence';
import { ingestAudit } from '../ingest';
import { promptfooRun, sampleCases } from '../sampleRuns';
import { spec, storeWithDeal, tempDir, writeJson } from './auditFixtures';

const policy = loadPolicyFile();
const TODAY = '2026-06-15';
let dir: string;
let storeFile: string;
let opportunityId: string;

beforeAll(async () => {
  dir = tempDir();
  storeFile = path.join(dir, 'store.duckdb');
  const made = await storeWithDeal(storeFile);
  opportunityId = made.opportunityId;
  const cases = sampleCases(500, { hallucinated: [0, 5, 10, 15] });
  cases.push(...sampleCases(20).map((c) => ({ ...c, caseId: `L-${c.caseId}`, category: 'legal' })));
  const file = writeJson(dir, 'run.json', promptfooRun(spec('eval-ev', cases)));
  await ingestAudit(
    file,
    { format: 'auto', opportunity: opportunityId, dryRun: false, today: TODAY },
    createLocalSink(made.store),
    policy
  );
  await made.store.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('the sheet states the version, the rate with its interval, the strict bound, the fallback and the re-audit policy', async () => {
  const { LocalStore } = await import('../../store/localStore');
  const { loadSchema } = await import('../../metadata/schema');
  const store = await LocalStore.open(storeFile, loadSchema());
  try {
    const sheet = await gatherEvidence(createLocalSink(store), opportunityId, policy, TODAY);
    expect(sheet.gate).toMatchObject({ status: 'Passed', responses: 520, hallucinated: 4 });
    const md = renderMarkdown(sheet);
    expect(md).toContain('- **Model:** openai:gpt-4.1-2025-04-14');
    expect(md).toContain('- **Measured rate:** 0.77% (95% interval 0.30% to 1.96%, Wilson)');
    expect(md).toContain('one-sided 95% upper bound 1.70% against the 2.00% maximum');
    expect(md).toContain('| legal | 20 | 0 | 0.00% (warning: n < 30) |');
    expect(md).toContain('| billing | 100 | 4 | 4.00% |');
    expect(md).toContain('- **Type:** Human handoff');
    expect(md).toContain('- **Last tested:** 2026-06-01');
    expect(md).toContain('every 30 days');
    expect(renderHtml(sheet)).toContain('<th>Gate</th><td>Passed</td>');
  } finally {
    await store.close();
  }
});

it('--format pdf writes a one-page PDF whose text reads back', () => {
  const pdf = path.join(dir, 'evidence.pdf');
  const r = runGtm([
    'audit',
    'evidence',
    opportunityId,
    '--store',
    storeFile,
    '--as-of',
    TODAY,
    '--format',
    'pdf',
    '--output',
    pdf
  ]);
  expect(r.stderr).toContain(`wrote ${pdf} (Passed)`);
  expect(r.code).toBe(0);
  expect(fs.readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  // pdftotext (Debian poppler-utils, installed by .ci/run)
  const text = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  expect(text.error).toBeUndefined();
  const flat = text.stdout.replace(/\s+/g, ' ');
  expect(flat).toContain('AI quality evidence: Acme Outfitters - Copilot Pilot');
  expect(flat).toContain('Gate Passed');
  expect(flat).toContain('0.77% (95% interval 0.30% to 1.96%, Wilson)');
  expect(flat).toContain('Human handoff');
  const pages = spawnSync('pdfinfo', [pdf], { encoding: 'utf8' }).stdout;
  expect(pages).toMatch(/Pages:\s+1\n/);
});

it('--format pdf without --output is a usage error', () => {
  const r = runGtm(['audit', 'evidence', opportunityId, '--store', storeFile, '--format', 'pdf']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--format pdf needs --output/);
});
