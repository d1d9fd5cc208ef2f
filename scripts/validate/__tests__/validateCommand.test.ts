import * as path from 'node:path';
import { UsageError } from '../../lib/errors';
import { CHECKS, runChecks, selectChecks } from '..';
import { DEFAULT, dataModel, field, gtm, makeProject, removeProject, STACK } from './fixtures';

jest.setTimeout(120_000);

describe('runChecks', () => {
  it('keeps the documented order', () => {
    expect(CHECKS.map((c) => c.name)).toEqual([
      'typescript',
      'eslint',
      'prettier',
      'metadata-xml',
      'policy',
      'tracking-plan',
      'apex-syntax',
      'field-references',
      'apex-compile',
      'pmd',
      'convert'
    ]);
  });

  it('rejects an unknown check name, listing the valid ones', () => {
    expect(() => selectChecks(['metadata-xml', 'lint'])).toThrow(UsageError);
    expect(() => selectChecks(['lint'])).toThrow(
      /unknown check "lint"; valid checks: typescript, eslint, prettier, metadata-xml/
    );
  });

  it('runs only the selected checks, in order, reporting progress and timing', async () => {
    const dir = makeProject(dataModel());
    try {
      const seen: string[] = [];
      const results = await runChecks({
        projectDir: dir,
        only: ['field-references', 'metadata-xml'],
        onProgress: (n) => seen.push(n)
      });
      expect(seen).toEqual(['metadata-xml', 'field-references']);
      expect(results.map((r) => [r.name, r.ok, r.problems])).toEqual([
        ['metadata-xml', true, []],
        ['field-references', true, []]
      ]);
      expect(results.every((r) => r.durationMs >= 0 && r.description.length > 0)).toBe(true);
    } finally {
      removeProject(dir);
    }
  });

  it('refuses a directory that is not an SFDX project', async () => {
    await expect(runChecks({ projectDir: path.join(DEFAULT, 'nowhere') })).rejects.toThrow(/not an SFDX project/);
  });
});

describe('gtm validate (the CLI)', () => {
  const broken = () =>
    makeProject({
      ...dataModel(),
      ...field(
        'Project__c',
        'Margin__c',
        '    <precision>5</precision>\n    <scale>2</scale>\n    <type>Percentage</type>\n'
      )
    });
  const brokenFile = `${DEFAULT}/objects/Project__c/fields/Margin__c.field-meta.xml`;

  it('exits non-zero on a broken project, printing the file and no stack trace', () => {
    const dir = broken();
    try {
      const r = gtm(['validate', '--only', 'metadata-xml', '--project', dir]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^metadata-xml\s+FAILED\s+1\s+\d+\.\d$/m);
      expect(r.stdout).toContain(
        `${brokenFile}:7 [Project__c.Margin__c]: <type>Percentage</type> is not a CustomField type`
      );
      expect(r.stderr).toMatch(/^checking metadata-xml \.\.\.$/m);
      expect(r.stderr).toMatch(/^error: 1 problem in 1 check$/m);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stdout).not.toMatch(STACK);
    } finally {
      removeProject(dir);
    }
  });

  it('--json prints one parseable document with every result, and still exits non-zero', () => {
    const dir = broken();
    try {
      const r = gtm(['validate', '--only', 'metadata-xml,apex-syntax', '--project', dir, '--json']);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as {
        status: string;
        problems: number;
        checks: { name: string; ok: boolean; problems: { file: string }[] }[];
      };
      expect(doc.status).toBe('failed');
      expect(doc.problems).toBe(1);
      expect(doc.checks.map((c) => [c.name, c.ok])).toEqual([
        ['metadata-xml', false],
        ['apex-syntax', true]
      ]);
      expect(doc.checks[0]!.problems[0]!.file).toBe(brokenFile);
    } finally {
      removeProject(dir);
    }
  });

  it('exits 0 and says so when the selected checks pass', () => {
    const dir = makeProject(dataModel());
    try {
      const r = gtm(['validate', '--only', 'metadata-xml,field-references', '--project', dir]);
      expect(r.stderr).not.toMatch(/error/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('all 2 checks passed');
    } finally {
      removeProject(dir);
    }
  });

  it('an unknown --only name is one clear error listing the valid checks', () => {
    const r = gtm(['validate', '--only', 'spelling']);
    expect(r.code).toBe(2); // a usage error
    expect(r.stderr.trim()).toBe(
      'error: unknown check "spelling"; valid checks: typescript, eslint, prettier, metadata-xml, policy, tracking-plan, apex-syntax, field-references, apex-compile, pmd, convert'
    );
  });
});
