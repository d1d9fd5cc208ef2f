/**
 * The --target-org edge of the three commands: --store beside it is a usage error (exit 2) before any connection, an
 * org the sf CLI has no auth for is named with the login command (exit 1), and the summary names every refused row
 * with the org's reason and exits 3.
 */
import type { Output } from '../../cli/output';
import { runGtm } from '../../test-support/runGtm';
import { reportOrgWrite } from '../orgCommand';
import type { OrgWrite } from '../orgRuns';

/** The real CLI in a child process: slow on a busy machine (a limit, not an assertion). */
const CLI_TIMEOUT = 120_000;

function capture(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    json: false,
    lines,
    errors,
    info: (l = '') => lines.push(l),
    progress: () => undefined,
    done: (l?: string) => {
      if (l) errors.push(l);
    },
    result: () => undefined
  } as unknown as Output & { lines: string[]; errors: string[] };
}

const run: OrgWrite = {
  read: { PQA_Signal__c: 3, Account: 5 },
  changes: [
    {
      object: 'PQA_Signal__c',
      externalIdField: 'Signal_Key__c',
      rows: [
        { key: 'acme|2026-W11', created: true, fields: ['Arm__c'], row: {} },
        { key: 'bolt|2026-W12', created: true, fields: ['Arm__c'], row: {} }
      ],
      notSent: [{ key: 'exp-001', fields: ['Status__c'] }]
    }
  ],
  written: [{ object: 'PQA_Signal__c', key: 'acme|2026-W11', created: true }],
  failed: [{ object: 'PQA_Signal__c', key: 'bolt|2026-W12', error: 'PQA signal bolt|2026-W12 was not routed: no rule' }]
};

describe('reportOrgWrite', () => {
  it('names each refused row with the reason and exits 3', () => {
    const out = capture();
    expect(reportOrgWrite(run, 'prod', false, out)).toBe(3);
    expect(out.lines).toContain('read from prod: 3 PQA_Signal__c, 5 Account');
    expect(out.lines).toContain('PQA_Signal__c: to write 2 (2 new, 0 changed)');
    expect(out.lines).toContain("  exp-001: left as the org has it (Status__c: not this command's to change)");
    expect(out.lines).toContain('written to prod: 1, failed: 1');
    expect(out.errors).toEqual([
      'error: 1 write(s) refused by prod',
      '  PQA_Signal__c bolt|2026-W12: PQA signal bolt|2026-W12 was not routed: no rule',
      '  a re-run sends them again'
    ]);
  });

  it('says a dry run wrote nothing and exits 0', () => {
    const out = capture();
    expect(reportOrgWrite({ ...run, written: [], failed: [] }, 'prod', true, out)).toBe(0);
    expect(out.lines).toContain('PQA_Signal__c: would write 2 (2 new, 0 changed)');
    expect(out.lines.at(-1)).toBe('Dry run: nothing written to prod');
    expect(out.errors).toEqual([]);
  });
});

describe('--target-org on the command line', () => {
  it.each([
    ['pqa', 'sync'],
    ['scorecard', 'snapshot'],
    ['readout', 'build']
  ])(
    '%s %s: --store with --target-org is a usage error',
    (group, command) => {
      const r = runGtm([group, command, '--target-org', 'prod', '--store', 'x.duckdb']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--store is for the local store; it cannot be used with --target-org/);
    },
    CLI_TIMEOUT
  );

  it(
    'routing readout: --store with --target-org, and --dry-run without it, are usage errors; an unknown org is named',
    () => {
      const withStore = runGtm(['routing', 'readout', 'exp-001', '--target-org', 'prod', '--store', 'x.duckdb']);
      expect(withStore.code).toBe(2);
      expect(withStore.stderr).toMatch(/--store is for the local store; it cannot be used with --target-org/);
      const dry = runGtm(['routing', 'readout', 'exp-001', '--dry-run']);
      expect(dry.code).toBe(2);
      expect(dry.stderr).toMatch(/--dry-run is for --target-org/);
      const unknown = runGtm(['routing', 'readout', 'exp-001', '--target-org', 'nosuch-org', '--publish', '--dry-run']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/no authenticated org named "nosuch-org"/);
    },
    CLI_TIMEOUT
  );

  it(
    'an org the sf CLI has no auth for is named with the login command',
    () => {
      const r = runGtm(['readout', 'build', '--target-org', 'nosuch-org', '--dry-run']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no authenticated org named "nosuch-org"/);
      expect(r.stderr).toMatch(/sf org login web --alias nosuch-org/);
    },
    CLI_TIMEOUT
  );
});
