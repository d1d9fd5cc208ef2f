import type { ComponentSet } from '@salesforce/source-deploy-retrieve';
import { createOutput } from '../../cli/output';
import { GtmError, OrgError, ValidationError } from '../../lib/errors';
import { loadPolicyFile } from '../../policy/policy';
import type { SObjectRecord } from '../../registry/registry';
import { editFile, makeTempProject, removeTempProject } from '../../test-support/tempProject';
import { runDeploy, DeployOptions } from '../deploy';
import type { DeployTarget, MetadataDeployResult, OrgIdentity } from '../target';

const policy = loadPolicyFile();
const quiet = () => {
  const out = createOutput(true, { write: () => true } as never, { write: () => true, isTTY: false } as never);
  return out;
};

/** A fake org that records every call in order. */
function fakeOrg(overrides: { identity?: Partial<OrgIdentity>; deploy?: Partial<MetadataDeployResult> } = {}) {
  const calls: string[] = [];
  const upserts: { object: string; field: string; records: SObjectRecord[] }[] = [];
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
    async deployMetadata(cs: ComponentSet, options) {
      calls.push(`deploy:${options.testLevel}:${cs.size}`);
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
  return { target, calls, upserts, connects: [] as string[] };
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
    expect(org.calls[1]).toMatch(/^deploy:RunLocalTests:/);
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
