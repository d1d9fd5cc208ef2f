/**
 * The org questions of the real deploy target (salesforceTarget.ts), asked through the real jsforce client of the
 * project's Salesforce API double: the REST queries and the Versions resource, and what the answers become. The
 * deploy decisions themselves are tested through a fake target in deploy.test.ts.
 */
import type { MetadataApiDeployStatus } from '@salesforce/source-deploy-retrieve';
import { Connection } from 'jsforce';
import { OrgError } from '../../lib/errors';
import { loadPolicyFile } from '../../policy/policy';
import { startBulkDouble, type BulkDouble, type BulkDoubleOptions } from '../../test-support/bulkDouble/bulkApiDouble';
import { preflightProblems } from '../preflight';
import { deployOutcome, orgQuestions, type OrgQuestions } from '../salesforceTarget';

const VERSION = '65.0';
const USERNAME = 'admin@example.test';
const policy = loadPolicyFile();

let double: BulkDouble | undefined;

afterEach(async () => {
  await double?.close();
  double = undefined;
});

/** A double holding an org: a sandbox, its deploying user, the Opportunity stages and the user's permissions. */
async function startOrg(
  options: BulkDoubleOptions = {},
  seed: { canAssign?: boolean | null } = {}
): Promise<{ d: BulkDouble; questions: OrgQuestions; userId: string; orgId: string }> {
  const d = await startBulkDouble({ keyPrefixes: { Organization: '00D', OpportunityStage: '01J' }, ...options });
  double = d;
  const [org] = d.seed('Organization', [
    { IsSandbox: true, OrganizationType: 'Enterprise Edition', TrialExpirationDate: null }
  ]);
  const [user] = d.seed('User', [{ Username: 'someone.else@example.test' }, { Username: USERNAME }]).slice(1);
  d.seed('OpportunityStage', [
    { ApiName: 'Closed Won', MasterLabel: 'Closed Won', IsActive: true, IsClosed: true, IsWon: true, SortOrder: 9 },
    { ApiName: 'Prospecting', MasterLabel: 'Prospecting', IsActive: true, IsClosed: false, IsWon: false, SortOrder: 1 },
    { ApiName: 'Pilot', MasterLabel: 'Pilot', IsActive: false, IsClosed: false, IsWon: false, SortOrder: 4 },
    {
      ApiName: 'Proposal/Price Quote',
      MasterLabel: 'Proposal',
      IsActive: true,
      IsClosed: false,
      IsWon: false,
      SortOrder: 5
    }
  ]);
  if (seed.canAssign !== null) {
    d.seed('UserPermissionAccess', [
      { PermissionsAssignPermissionSets: seed.canAssign ?? true, PermissionsViewSetup: true }
    ]);
  }
  const conn = new Connection({ instanceUrl: d.url, accessToken: d.accessToken, version: VERSION });
  const questions = orgQuestions(conn, {
    alias: 'test-org',
    username: USERNAME,
    instanceUrl: d.url,
    apiVersion: VERSION
  });
  return { d, questions, userId: user!.Id, orgId: org!.Id };
}

const queryPaths = (d: BulkDouble) =>
  d.calls.filter((c) => c.kind === 'rest.query').map((c) => `${c.path} ${decodeURIComponent(c.search)}`);

describe('the org questions, through jsforce against the API double', () => {
  it('reads the versions, the stages in sales-process order, the permission and the identity at the target version', async () => {
    const { d, questions, userId, orgId } = await startOrg();

    const versions = await questions.supportedApiVersions();
    expect(versions[0]).toBe('31.0');
    expect(versions[versions.length - 1]).toBe('65.0');

    expect(await questions.opportunityStages()).toEqual([
      { apiName: 'Prospecting', masterLabel: 'Prospecting', isActive: true, isClosed: false, isWon: false },
      { apiName: 'Pilot', masterLabel: 'Pilot', isActive: false, isClosed: false, isWon: false },
      { apiName: 'Proposal/Price Quote', masterLabel: 'Proposal', isActive: true, isClosed: false, isWon: false },
      { apiName: 'Closed Won', masterLabel: 'Closed Won', isActive: true, isClosed: true, isWon: true }
    ]);
    expect(await questions.canAssignPermissionSets()).toBe(true);
    expect(await questions.identity()).toEqual({
      username: USERNAME,
      orgId,
      instanceUrl: d.url,
      userId,
      isProduction: false,
      kind: 'sandbox'
    });

    // the versions are asked once; every SOQL goes to the target version
    expect(d.callCount({ kind: 'versions' })).toBe(1);
    expect(queryPaths(d)).toEqual([
      '/services/data/v65.0/query ?q=SELECT ApiName, MasterLabel, IsActive, IsClosed, IsWon FROM OpportunityStage ORDER BY SortOrder',
      '/services/data/v65.0/query ?q=SELECT PermissionsAssignPermissionSets FROM UserPermissionAccess',
      '/services/data/v65.0/query ?q=SELECT Id, IsSandbox, OrganizationType, TrialExpirationDate FROM Organization',
      `/services/data/v65.0/query ?q=SELECT Id FROM User WHERE Username = '${USERNAME}'`
    ]);
  });

  it('a user without "Assign Permission Sets" (or with no answer at all) cannot assign', async () => {
    expect(await (await startOrg({}, { canAssign: false })).questions.canAssignPermissionSets()).toBe(false);
    await double?.close();
    expect(await (await startOrg({}, { canAssign: null })).questions.canAssignPermissionSets()).toBe(false);
  });

  it('asks an org a release behind at its newest version, so the pre-flight can name the version as the problem', async () => {
    const { d, questions } = await startOrg({ apiVersions: ['62.0', '63.0', '64.0'] });
    const facts = {
      username: USERNAME,
      apiVersion: VERSION,
      supportedApiVersions: await questions.supportedApiVersions(),
      stages: await questions.opportunityStages(),
      canAssignPermissionSets: await questions.canAssignPermissionSets(),
      permissionSets: ['GTM_Copilot_Admin', 'GTM_Copilot_User'],
      policyFile: 'policy/gtm-policy.json'
    };
    expect(queryPaths(d).every((p) => p.startsWith('/services/data/v64.0/query '))).toBe(true);
    expect(d.callCount({ status: 404 })).toBe(0);

    expect(preflightProblems(policy, facts)).toEqual([
      'API version 65.0 (sourceApiVersion in sfdx-project.json) is not supported by the org, which serves 62.0 to 64.0; set sourceApiVersion to 64.0, or deploy to an org on a release that has 65.0',
      expect.stringMatching(/^policy Stage_Pilot = "Pilot": the Opportunity stage is inactive in the org/),
      expect.stringMatching(
        /^policy Stage_Production_Approval = "Production Approval": no such Opportunity stage in the org \(active stages: Prospecting, Proposal\/Price Quote, Closed Won\)/
      )
    ]);
  });

  it('a query the org refuses is an OrgError naming what it was asking, without the token', async () => {
    const { d, questions } = await startOrg({ fields: { UserPermissionAccess: ['PermissionsViewSetup'] } });
    const err: unknown = await questions.canAssignPermissionSets().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrgError);
    expect((err as OrgError).message).toBe(
      `could not read the deploying user's permissions on "test-org": No such column 'PermissionsAssignPermissionSets' on entity 'UserPermissionAccess'.`
    );
    expect((err as OrgError).message).not.toContain(d.accessToken);
  });

  it('an expired session says to log in again', async () => {
    const { d, questions } = await startOrg();
    d.faults.expireSessionAfter = 0;
    await expect(questions.opportunityStages()).rejects.toThrow(
      'the session for "test-org" has expired or was revoked while trying to read the Opportunity stages'
    );
  });
});

describe('deployOutcome', () => {
  const status = (extra: Partial<MetadataApiDeployStatus>): MetadataApiDeployStatus =>
    ({
      id: '0Af000000000001',
      success: false,
      checkOnly: true,
      numberComponentsDeployed: 0,
      ...extra
    }) as MetadataApiDeployStatus;

  it('reads component failures, test failures and coverage warnings, one or many', () => {
    const r = deployOutcome(
      status({
        details: {
          componentFailures: {
            componentType: 'ApexClass',
            fullName: 'GtmPolicy',
            fileName: 'classes/policy/GtmPolicy.cls',
            lineNumber: '7',
            problem: 'Variable does not exist: x',
            changed: false,
            created: false,
            createdDate: '',
            deleted: false,
            success: false
          },
          runTestResult: {
            numTestsRun: '3',
            numFailures: '1',
            totalTime: '10',
            failures: {
              id: '01p',
              name: 'GtmPolicyTest',
              methodName: 'readsText',
              message: 'System.AssertException: Assertion Failed',
              stackTrace: 'Class.GtmPolicyTest.readsText: line 12, column 1\nExternal entry point',
              packageName: 'GtmPolicyTest',
              time: '5',
              type: 'Class'
            },
            codeCoverageWarnings: [
              { id: '01p', name: 'GtmScorecardService', namespace: '', message: 'Test coverage is 61%' },
              { id: '', name: null, namespace: '', message: 'Average test coverage is 70%' }
            ] as never
          }
        }
      })
    );
    expect(r).toEqual({
      success: false,
      deployId: '0Af000000000001',
      componentsDeployed: 0,
      failures: [
        {
          type: 'ApexClass',
          fullName: 'GtmPolicy',
          file: 'classes/policy/GtmPolicy.cls',
          line: 7,
          problem: 'Variable does not exist: x'
        }
      ],
      message: undefined,
      tests: {
        run: 3,
        failures: [
          {
            className: 'GtmPolicyTest',
            methodName: 'readsText',
            message: 'System.AssertException: Assertion Failed',
            at: 'Class.GtmPolicyTest.readsText: line 12, column 1'
          }
        ],
        coverageWarnings: [
          { name: 'GtmScorecardService', message: 'Test coverage is 61%' },
          { message: 'Average test coverage is 70%' }
        ]
      }
    });
  });

  it('has no tests when none ran', () => {
    expect(deployOutcome(status({ success: true, numberComponentsDeployed: 40 }))).toEqual({
      success: true,
      deployId: '0Af000000000001',
      componentsDeployed: 40,
      failures: [],
      message: undefined
    });
  });
});
