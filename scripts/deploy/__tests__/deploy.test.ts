import type { ComponentSet } from '@salesforce/source-deploy-retrieve';
import { createOutput } from '../../cli/output';
import { GtmError, OrgError, ValidationError } from '../../lib/errors';
import { loadPolicyFile } from '../../policy/policy';
import type { SObjectRecord } from '../../registry/registry';
import { editFile, makeTempProject, removeTempProject } from '../../test-support/tempProject';
import { runDeploy, DeployOptions } from '../deploy';
import type {
  DeployTarget,
  MetadataDeployOptions,
  MetadataDeployResult,
  OpportunityStageRow,
  OrgIdentity
} from '../target';

const policy = loadPolicyFile();
const quiet = () => {
  const out = createOutput(true, { write: () => true } as never, { write: () => true, isTTY: false } as never);
  return out;
};

const stage = (apiName: string, extra: Partial<OpportunityStageRow> = {}): OpportunityStageRow => ({
  apiName,
  masterLabel: apiName,
  isActive: true,
  isClosed: false,
  isWon: false,
  ...extra
});

/** An org with the stages the policy names, next to standard ones. */
const READY_STAGES: OpportunityStageRow[] = [
  stage('Prospecting'),
  stage('Pilot'),
  stage('Proposal/Price Quote'),
  stage('Production Approval'),
  stage('Closed Won', { isClosed: true, isWon: true }),
  stage('Closed Lost', { isClosed: true })
];

/** A fake org that records every call in order. */
function fakeOrg(
  overrides: {
    identity?: Partial<OrgIdentity>;
    deploy?: Partial<MetadataDeployResult>;
    stages?: OpportunityStageRow[];
    apiVersions?: string[];
    canAssign?: boolean;
  } = {}
) {
  const calls: string[] = [];
  const upserts: { object: string; field: string; records: SObjectRecord[] }[] = [];
  const deploys: MetadataDeployOptions[] = [];
  const target: DeployTarget = {
    async identity() {
      calls.push('identity');
      return {
        username: 'admin@example.test',
        orgId: '00D000000000001',
        instanceUrl: 'https://example.my.salesforce.com',
        userId: '005000000000001',
        isProduction: false,
        kind: 'sandbox',
        ...overrides.identity
      };
    },
    async supportedApiVersions() {
      calls.push('versions');
      return overrides.apiVersions ?? ['63.0', '64.0', '65.0'];
    },
    async opportunityStages() {
      calls.push('stages');
      return overrides.stages ?? READY_STAGES;
    },
    async canAssignPermissionSets() {
      calls.push('can-assign');
      return overrides.canAssign ?? true;
    },
    async deployMetadata(cs: ComponentSet, options) {
      calls.push(`deploy:${options.testLevel}:${cs.size}`);
      deploys.push(options);
      return {
        success: true,
        deployId: '0Af000000000001',
        componentsDeployed: cs.size,
        failures: [],
        ...overrides.deploy
      };
    },
    async assignPermissionSets(names) {
      calls.push(`assign:${names.join(',')}`);
      return { assigned: names, alreadyAssigned: [] };
    },
    async upsert(object, field, records) {
      calls.push(`upsert:${object}`);
      upserts.push({ object, field, records });
      return { created: records.length, updated: 0, failures: [] };
    }
  };
  return { target, calls, upserts, deploys, connects: [] as string[] };
}

const base: DeployOptions = {
  dryRun: false,
  targetOrg: 'gtm-sandbox',
  assignPermsets: true,
  allowProduction: false,
  skipChecks: true
};

describe('gtm deploy', () => {
  it('dry run plans every object and the six experiments without connecting', async () => {
    const connect = jest.fn();
    const report = await runDeploy({ ...base, dryRun: true, targetOrg: undefined }, policy, quiet(), connect);
    expect(connect).not.toHaveBeenCalled();
    expect(report.status).toBe('planned');
    expect(report.objects).toEqual(
      expect.arrayContaining([
        'GTM_Experiment__c',
        'GTM_Launch_Gate__c',
        'Pilot_Scorecard__c',
        'Pilot_Criterion__c',
        'Security_Packet__c',
        'Trust_Collateral__c',
        'Usage_Snapshot__c',
        'Expansion_Trigger__c',
        'GTM_Policy__mdt',
        'Account',
        'Opportunity'
      ])
    );
    expect(report.registry[0]?.records.map((r) => r.Experiment_Key__c)).toEqual([
      'exp-001',
      'exp-002',
      'exp-003',
      'exp-005',
      'exp-006',
      'exp-008'
    ]);
    expect(report.manifest).toContain('<name>CustomObject</name>');
    expect(report.components).toEqual(
      expect.arrayContaining([{ type: 'PermissionSet', fullName: 'GTM_Copilot_User' }])
    );
    expect(report.permissionSets.sort()).toEqual(['GTM_Copilot_Admin', 'GTM_Copilot_User']);
  });

  it('deploys, assigns, then upserts experiments before the gates that reference them', async () => {
    const org = fakeOrg();
    const report = await runDeploy(base, policy, quiet(), async () => org.target);
    expect(org.calls).toEqual([
      'identity',
      'versions',
      'stages',
      'can-assign',
      expect.stringMatching(/^deploy:NoTestRun:\d+$/),
      'assign:GTM_Copilot_Admin,GTM_Copilot_User',
      'upsert:GTM_Experiment__c',
      'upsert:GTM_Launch_Gate__c'
    ]);
    expect(org.upserts[0]).toMatchObject({ field: 'Experiment_Key__c' });
    expect(org.upserts[1]?.records).toHaveLength(4);
    expect(report.upserted).toEqual([
      { object: 'GTM_Experiment__c', created: 6, updated: 0, failures: [] },
      { object: 'GTM_Launch_Gate__c', created: 4, updated: 0, failures: [] }
    ]);
    expect(JSON.stringify(report)).not.toContain('005000000000001');
  });

  it('refuses a production org without --allow-production, before writing anything', async () => {
    const org = fakeOrg({ identity: { isProduction: true, kind: 'Enterprise Edition' } });
    await expect(runDeploy(base, policy, quiet(), async () => org.target)).rejects.toThrow(
      /is a production org .*nothing was written/
    );
    expect(org.calls).toEqual(['identity']);
  });

  it('runs local tests when production is allowed', async () => {
    const org = fakeOrg({ identity: { isProduction: true } });
    await runDeploy({ ...base, allowProduction: true, assignPermsets: false }, policy, quiet(), async () => org.target);
    expect(org.calls.slice(0, 4)).toEqual([
      'identity',
      'versions',
      'stages',
      expect.stringMatching(/^deploy:RunLocalTests:/)
    ]);
    expect(org.deploys[0]).toEqual({ testLevel: 'RunLocalTests' });
  });

  it('stops with each component failure and loads no records when the org rejects the deploy', async () => {
    const org = fakeOrg({
      deploy: {
        success: false,
        failures: [
          {
            type: 'CustomField',
            fullName: 'Usage_Snapshot__c.ISO_Week__c',
            file: 'x.field-meta.xml',
            line: 3,
            problem: 'bad length'
          }
        ]
      }
    });
    const err: OrgError = await runDeploy(base, policy, quiet(), async () => org.target).catch((e) => e);
    expect(err).toBeInstanceOf(OrgError);
    expect(err.details).toEqual(['CustomField Usage_Snapshot__c.ISO_Week__c (x.field-meta.xml:3): bad length']);
    expect(org.calls.some((c) => c.startsWith('upsert'))).toBe(false);
  });

  it('needs a target org unless it is a dry run', async () => {
    await expect(runDeploy({ ...base, targetOrg: undefined }, policy, quiet(), jest.fn())).rejects.toThrow(GtmError);
  });

  it('validates offline first: a policy record out of step stops the deploy before any connection', async () => {
    const dir = makeTempProject();
    try {
      editFile(
        dir,
        'force-app/main/default/customMetadata/GTM_Policy.Expansion_Cooldown_Weeks.md-meta.xml',
        '>8<',
        '>6<'
      );
      const connect = jest.fn();
      const err = await runDeploy({ ...base, projectDir: dir, skipChecks: false }, policy, quiet(), connect).catch(
        (e) => e
      );
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.details.join('\n')).toContain('Expansion_Cooldown_Weeks.Value__c');
      expect(connect).not.toHaveBeenCalled();
    } finally {
      removeTempProject(dir);
    }
  });
});

/** Runs a deploy that must fail and returns its error. */
async function refused(options: Partial<DeployOptions>, org: ReturnType<typeof fakeOrg>): Promise<OrgError> {
  const err: unknown = await runDeploy({ ...base, ...options }, policy, quiet(), async () => org.target).then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(OrgError);
  return err as OrgError;
}

const wrote = (calls: string[]) => calls.filter((c) => /^(deploy|assign|upsert)/.test(c));

describe('gtm deploy pre-flight', () => {
  it('refuses a missing policy stage by name and policy key, listing the active stages, before any deploy call', async () => {
    const org = fakeOrg({ stages: READY_STAGES.filter((s) => s.apiName !== 'Pilot') });
    const err = await refused({}, org);
    expect(err.message).toBe(
      'pre-flight: admin@example.test is not ready for this deploy (1 problem); nothing was deployed'
    );
    expect(err.details).toHaveLength(1);
    expect(err.details[0]).toMatch(
      /^policy Stage_Pilot = "Pilot": no such Opportunity stage in the org \(active stages: Prospecting, Proposal\/Price Quote, Production Approval, Closed Won, Closed Lost\); add it to the Opportunity Stage picklist in Setup, or set Stage_Pilot in policy\/gtm-policy.json .*npx gtm policy write-metadata/
    );
    expect(wrote(org.calls)).toEqual([]);
  });

  it('refuses an inactive stage, and says how to fix it', async () => {
    const stages = READY_STAGES.map((s) => (s.apiName === 'Production Approval' ? { ...s, isActive: false } : s));
    const org = fakeOrg({ stages });
    const err = await refused({}, org);
    expect(err.details).toEqual([
      expect.stringMatching(
        /^policy Stage_Production_Approval = "Production Approval": the Opportunity stage is inactive in the org; activate it in Setup/
      )
    ]);
    expect(wrote(org.calls)).toEqual([]);
  });

  it('matches Opportunity.StageName values by API name: a stage only the label matches is named with its API name', async () => {
    const stages = READY_STAGES.map((s) =>
      s.apiName === 'Pilot' ? { ...s, apiName: 'Pilot_Stage', masterLabel: 'Pilot' } : s
    );
    const err = await refused({}, fakeOrg({ stages }));
    expect(err.details).toEqual([
      expect.stringContaining(
        'policy Stage_Pilot = "Pilot": the org\'s stage labelled "Pilot" has the API name "Pilot_Stage", which is what Opportunity.StageName holds; set Stage_Pilot to "Pilot_Stage"'
      )
    ]);
  });

  it('needs Stage_Closed_Won to be a closed won stage and the other policy stages to be open', async () => {
    const stages = READY_STAGES.map((s) =>
      s.apiName === 'Closed Won'
        ? { ...s, isWon: false }
        : s.apiName === 'Proposal/Price Quote'
          ? { ...s, isClosed: true }
          : s
    );
    const err = await refused({}, fakeOrg({ stages }));
    expect(err.details).toEqual([
      expect.stringMatching(/^policy Stage_Proposal = "Proposal\/Price Quote": the org's stage is a closed stage/),
      expect.stringMatching(
        /^policy Stage_Closed_Won = "Closed Won": the org's stage is not a closed won stage \(closed: yes, won: no\)/
      )
    ]);
  });

  it('refuses an API version the org does not serve', async () => {
    const org = fakeOrg({ apiVersions: ['62.0', '63.0', '64.0'] });
    const err = await refused({}, org);
    expect(err.details).toEqual([
      'API version 65.0 (sourceApiVersion in sfdx-project.json) is not supported by the org, which serves 62.0 to 64.0; set sourceApiVersion to 64.0, or deploy to an org on a release that has 65.0'
    ]);
    expect(wrote(org.calls)).toEqual([]);
  });

  it('refuses a user who may not assign permission sets only with --assign-permsets', async () => {
    const org = fakeOrg({ canAssign: false });
    const err = await refused({ assignPermsets: true }, org);
    expect(err.details).toEqual([
      '--assign-permsets: admin@example.test may not assign permission sets (no "Assign Permission Sets" permission); ask an admin to grant it or to assign GTM_Copilot_Admin and GTM_Copilot_User, or deploy without --assign-permsets'
    ]);
    expect(wrote(org.calls)).toEqual([]);

    const without = fakeOrg({ canAssign: false });
    await runDeploy({ ...base, assignPermsets: false }, policy, quiet(), async () => without.target);
    expect(without.calls).not.toContain('can-assign');
    expect(without.calls.filter((c) => c.startsWith('upsert'))).toHaveLength(2);
  });

  it('reports every problem at once', async () => {
    const org = fakeOrg({
      apiVersions: ['64.0'],
      stages: READY_STAGES.filter((s) => s.apiName !== 'Pilot' && s.apiName !== 'Closed Won'),
      canAssign: false
    });
    const err = await refused({}, org);
    expect(err.message).toContain('(4 problems)');
    expect(err.details).toEqual([
      expect.stringMatching(/^API version 65\.0 \(sourceApiVersion in sfdx-project\.json\) .*, which serves 64\.0;/),
      expect.stringMatching(/^policy Stage_Pilot = "Pilot": no such Opportunity stage/),
      expect.stringMatching(/^policy Stage_Closed_Won = "Closed Won": no such Opportunity stage/),
      expect.stringMatching(/^--assign-permsets: admin@example\.test may not assign permission sets/)
    ]);
    expect(wrote(org.calls)).toEqual([]);
  });
});

describe('gtm deploy --check-only', () => {
  const checkOnly: Partial<DeployOptions> = { checkOnly: true };

  it('validates with the project test classes outside production, and never assigns or upserts', async () => {
    const org = fakeOrg({ deploy: { tests: { run: 57, failures: [], coverageWarnings: [] } } });
    const report = await runDeploy({ ...base, ...checkOnly }, policy, quiet(), async () => org.target);
    expect(org.calls).toEqual([
      'identity',
      'versions',
      'stages',
      'can-assign',
      expect.stringMatching(/^deploy:RunSpecifiedTests:\d+$/)
    ]);
    const options = org.deploys[0];
    expect(options).toMatchObject({ checkOnly: true, testLevel: 'RunSpecifiedTests' });
    expect(options?.runTests).toEqual(
      expect.arrayContaining(['GtmPolicyTest', 'GtmOpportunityGateServiceTest', 'GtmRuleVectorsTest'])
    );
    // class-level @IsTest data factories have no test methods to run; ordinary classes are not tests
    expect(options?.runTests).not.toContain('GtmOpportunityTestData');
    expect(options?.runTests).not.toContain('GtmPolicy');
    expect(org.upserts).toEqual([]);
    expect(report).toMatchObject({ status: 'validated', checkOnly: true, deployId: '0Af000000000001' });
    expect(report.tests).toMatchObject({ level: 'RunSpecifiedTests', run: 57, failures: [] });
    expect(report.upserted).toBeUndefined();
    expect(report.permissionSetAssignments).toBeUndefined();
  });

  it('needs no --allow-production against production, and runs RunLocalTests there', async () => {
    const org = fakeOrg({ identity: { isProduction: true, kind: 'Enterprise Edition' } });
    const report = await runDeploy({ ...base, ...checkOnly }, policy, quiet(), async () => org.target);
    expect(org.deploys).toEqual([{ testLevel: 'RunLocalTests', checkOnly: true }]);
    expect(wrote(org.calls)).toEqual([expect.stringMatching(/^deploy:RunLocalTests:/)]);
    expect(report.status).toBe('validated');
  });

  it('still runs the pre-flight first', async () => {
    const org = fakeOrg({ stages: [] });
    const err = await refused(checkOnly, org);
    expect(err.details).toHaveLength(4);
    expect(wrote(org.calls)).toEqual([]);
  });

  it('an explicit --test-level wins', async () => {
    const org = fakeOrg();
    await runDeploy({ ...base, ...checkOnly, testLevel: 'RunLocalTests' }, policy, quiet(), async () => org.target);
    expect(org.deploys).toEqual([{ testLevel: 'RunLocalTests', checkOnly: true }]);
  });

  it('lists test failures and coverage problems like component failures', async () => {
    const org = fakeOrg({
      deploy: {
        success: false,
        tests: {
          run: 12,
          failures: [
            {
              className: 'GtmPolicyTest',
              methodName: 'readsText',
              message: 'System.AssertException: Assertion Failed',
              at: 'Class.GtmPolicyTest.readsText: line 12, column 1'
            }
          ],
          coverageWarnings: [
            {
              name: 'GtmScorecardService',
              message: 'Test coverage of selected Apex Class is 61%, at least 75% test coverage is required'
            },
            {
              message:
                'Average test coverage across all Apex Classes and Triggers is 70%, at least 75% test coverage is required.'
            }
          ]
        }
      }
    });
    const err = await refused(checkOnly, org);
    expect(err.message).toBe('the org rejected the check-only deploy 0Af000000000001; nothing was deployed or written');
    expect(err.details).toEqual([
      'test GtmPolicyTest.readsText: System.AssertException: Assertion Failed (Class.GtmPolicyTest.readsText: line 12, column 1)',
      'coverage GtmScorecardService: Test coverage of selected Apex Class is 61%, at least 75% test coverage is required',
      'coverage: Average test coverage across all Apex Classes and Triggers is 70%, at least 75% test coverage is required.'
    ]);
    expect(org.upserts).toEqual([]);
  });

  it('a dry run names the tests a check-only deploy would run, without an org', async () => {
    const connect = jest.fn();
    const report = await runDeploy({ ...base, ...checkOnly, dryRun: true }, policy, quiet(), connect);
    expect(connect).not.toHaveBeenCalled();
    expect(report).toMatchObject({ status: 'planned', checkOnly: true, tests: { level: 'RunSpecifiedTests' } });
    expect(report.tests?.classes).toContain('GtmPolicyTest');
  });
});
