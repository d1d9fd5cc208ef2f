import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPolicyFile } from '../../policy/policy';
import { readAuditFile } from '../ingest';
import { SAMPLE_AUDIT_DIR, SAMPLE_AUDITS, sampleAuditFiles } from '../sampleAudits';

it('data/sample/audits holds exactly what sampleRuns.ts writes (regenerate: npx tsx scripts/audit/sampleAudits.ts)', () => {
  const files = sampleAuditFiles();
  expect(fs.readdirSync(SAMPLE_AUDIT_DIR).sort()).toEqual([...files.keys()].sort());
  for (const [name, content] of files) expect(fs.readFileSync(path.join(SAMPLE_AUDIT_DIR, name), 'utf8')).toBe(content);
});

it('has one deal in each gate state, each file of its own tool', () => {
  expect(SAMPLE_AUDITS.map((a) => a.expected).sort()).toEqual([
    'Expired',
    'Failed',
    'Passed',
    'Pending',
    'Provisional'
  ]);
  const formats = SAMPLE_AUDITS.map(
    (a) =>
      readAuditFile(
        path.join(SAMPLE_AUDIT_DIR, a.file),
        { format: 'auto', model: a.model, promptVersion: a.promptVersion, runAt: '2026-11-20' },
        loadPolicyFile()
      ).format
  );
  expect(new Set(formats)).toEqual(new Set(['promptfoo', 'deepeval', 'csv']));
});
