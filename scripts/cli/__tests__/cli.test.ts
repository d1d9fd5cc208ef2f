import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { runGtm } from '../../test-support/runGtm';
import { editFile, makeTempProject, removeTempProject } from '../../test-support/tempProject';
import { HEADER, ticketRows } from '../../test-support/ticketExport';

jest.setTimeout(120_000);

const gtm = runGtm;

const STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe('gtm CLI', () => {
  it('deploy --dry-run --json lists every object and the six experiments', () => {
    const r = gtm(['deploy', '--dry-run', '--json']);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.status).toBe('planned');
    for (const o of [
      'GTM_Experiment__c',
      'GTM_Launch_Gate__c',
      'Pilot_Scorecard__c',
      'Pilot_Criterion__c',
      'Security_Packet__c',
      'Trust_Collateral__c',
      'Usage_Snapshot__c',
      'Expansion_Trigger__c',
      'GTM_Policy__mdt'
    ]) {
      expect(plan.objects).toContain(o);
      expect(plan.manifest).toContain(`<members>${o}</members>`);
    }
    const experiments = plan.registry.find((u: { object: string }) => u.object === 'GTM_Experiment__c');
    expect(experiments.records.map((r: { Experiment_Key__c: string }) => r.Experiment_Key__c)).toEqual([
      'exp-001',
      'exp-002',
      'exp-003',
      'exp-005',
      'exp-006',
      'exp-008'
    ]);
  });

  it('deploy --check-only --dry-run --json plans a rehearsal: the project test classes, checkOnly: true', () => {
    const r = gtm(['deploy', '--check-only', '--dry-run', '--json']);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ status: 'planned', checkOnly: true, tests: { level: 'RunSpecifiedTests' } });
    expect(plan.tests.classes).toEqual(expect.arrayContaining(['GtmPolicyTest', 'GtmOpportunityGateServiceTest']));
    expect(plan.tests.classes).not.toContain('GtmOpportunityTestData');
  });

  it('deploy --help lists --check-only, and that it needs no --allow-production', () => {
    const r = gtm(['deploy', '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      '--check-only rehearse: a validation deploy that compiles and runs the tests, then rolls back'
    );
    expect(help).toContain('--allow-production allow writing to a production org (not needed with --check-only)');
    expect(help).toContain('"RunSpecifiedTests"');
  });

  it('a malformed registry CSV gives one clear error with file, line and field, and no stack trace', () => {
    const dir = makeTempProject();
    try {
      editFile(dir, 'data/experiment-backlog.csv', 'policy:Activation_Days_Target', '8 days');
      const r = gtm(['deploy', '--dry-run', '--project-dir', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^error: data\/experiment-backlog.csv:7 \[target\]: "8 days" is not a number or policy:<Key>$/m
      );
      expect(r.stderr.match(/^error:/gm)).toHaveLength(1);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stdout).toBe('');
    } finally {
      removeTempProject(dir);
    }
  });

  it('deploying to an org the sf CLI has no auth for says how to log in', () => {
    const r = gtm(['deploy', '--target-org', 'no-such-org']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no authenticated org named "no-such-org"');
    expect(r.stderr).toContain('npx sf org login web --alias no-such-org');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('a dry run naming an org the sf CLI has no auth for says so instead of planning (exit 1)', () => {
    const r = gtm(['deploy', '--dry-run', '--target-org', 'no-such-org', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no authenticated org named "no-such-org"');
    expect(r.stderr).toContain('npx sf org login web --alias no-such-org');
    expect(r.stdout).not.toContain('"status": "planned"');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('policy check passes on the repository', () => {
    const r = gtm(['policy', 'check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GTM_Policy__mdt records match policy\/gtm-policy.json \(\d+ values\)/);
  });

  it('an unknown command is a usage error (exit 2)', () => {
    const r = gtm(['deploi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'deploi'");
  });

  it('usage sync runs on the local store from the command line and prints a summary that adds up', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-cli-usage-'));
    try {
      const input = path.join(dir, 'tickets.csv');
      fs.writeFileSync(
        input,
        `${HEADER}\n${ticketRows([{ account: 'acme', weekIndex: 2930, total: 60, ai: 30 }]).join('\n')}\nbad,acme,yesterday,,ai,email\n`
      );
      const args = [
        'usage',
        'sync',
        input,
        '--store',
        path.join(dir, 'store.duckdb'),
        '--create-accounts',
        '--as-of',
        '2026-12-01',
        '--max-reject-rate',
        '5%',
        '--json',
        '--no-cache'
      ];
      const r = gtm(args);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary).toMatchObject({
        rows_read: 61,
        tickets: 60,
        rejected: 1,
        duplicates: 0,
        snapshots: 1,
        written: 1,
        failed: 0
      });
      const again = JSON.parse(gtm(args).stdout);
      expect(again).toMatchObject({ written: 0, unchanged: 1 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('usage sync to an org the sf CLI has no auth for says how to log in, before reading anything', () => {
    const r = gtm(['usage', 'sync', path.join(REPO_ROOT, 'data', 'sample', 'plan.json'), '--target-org', 'acme-prod']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no authenticated org named "acme-prod"');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('usage sync on a file that is not there is one clear error', () => {
    const r = gtm([
      'usage',
      'sync',
      '/nonexistent/tickets.csv',
      '--store',
      path.join(os.tmpdir(), `gtm-none-${process.pid}.duckdb`)
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot read \/nonexistent\/tickets.csv: no such file$/m);
    expect(r.stderr).not.toMatch(STACK);
  });
});
