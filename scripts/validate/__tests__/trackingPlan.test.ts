import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trackingPlanCheck } from '../checks/trackingPlan';
import { makeTempProject, removeTempProject } from '../../test-support/tempProject';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests edit plan JSON freely
type Json = any;
const PARTS = ['sfdx-project.json', 'force-app', 'policy', 'tracking-plan'];
const MAPPING = 'tracking-plan/mappings/salesforce.json';
const INVITED = 'tracking-plan/events/teammate_invited/1-0-0.json';

let dir: string;
beforeEach(() => {
  dir = makeTempProject(PARTS);
});
afterEach(() => removeTempProject(dir));

const readJson = (rel: string) => JSON.parse(fs.readFileSync(path.join(dir, rel), 'utf8')) as Json;
const writeJson = (rel: string, v: unknown) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), `${JSON.stringify(v, null, 2)}\n`);
};
const run = () => trackingPlanCheck.run({ projectDir: dir });

describe('tracking-plan check', () => {
  it('passes on the repository plan', async () => {
    expect(await run()).toEqual([]);
  });

  it('fails, naming the mapping file, on a mapped field missing from force-app', async () => {
    const m = readJson(MAPPING);
    m.events['Pilot Started'].fields.opportunity_id.field = 'Pilot_Opportunity__c';
    writeJson(MAPPING, m);
    const problems = await run();
    expect(problems).toEqual([
      expect.objectContaining({
        file: MAPPING,
        field: 'Pilot Started.opportunity_id',
        message: expect.stringContaining('Funnel_Event__c.Pilot_Opportunity__c does not exist in force-app')
      })
    ]);
  });

  it('fails on a type mismatch and on a property longer than its field', async () => {
    const m = readJson(MAPPING);
    m.events['Hallucination Audit Completed'].fields.passed.field = 'Quantity__c'; // a boolean on a Number
    m.events['Expansion Trigger Fired'].fields.trigger_key.field = 'Category__c'; // 120 characters on Text(40)
    writeJson(MAPPING, m);
    const messages = (await run()).map((p) => `${p.file} ${p.field}: ${p.message}`);
    expect(messages).toEqual([
      `${MAPPING} Expansion Trigger Fired.trigger_key: type mismatch: the property holds up to 120 characters, Funnel_Event__c.Category__c (Text) only 40`,
      `${MAPPING} Hallucination Audit Completed.passed: type mismatch: a boolean maps to a Checkbox, not Funnel_Event__c.Quantity__c (Number)`
    ]);
  });

  it('fails on a PII property mapped to a field not approved for PII', async () => {
    const m = readJson(MAPPING);
    m.events['Teammate Invited'].fields.invitee_email.field = 'Subject_Key__c';
    writeJson(MAPPING, m);
    const problems = await run();
    expect(problems).toEqual([
      expect.objectContaining({
        file: MAPPING,
        field: 'Teammate Invited.invitee_email',
        message: expect.stringContaining(
          'PII property invitee_email maps to Funnel_Event__c.Subject_Key__c, which is not approved for PII'
        )
      })
    ]);
  });

  it('fails on an ADDITION bump for a removed property, and names the version it should be', async () => {
    const v1 = readJson(INVITED);
    const next = {
      ...v1,
      $id: 'gtm:events/teammate_invited/1-0-1',
      properties: { role: v1.properties.role },
      required: ['role']
    };
    writeJson('tracking-plan/events/teammate_invited/1-0-1.json', next);
    const m = readJson(MAPPING);
    delete m.events['Teammate Invited'].fields.invitee_email;
    writeJson(MAPPING, m);
    expect(await run()).toEqual([
      {
        file: 'tracking-plan/events/teammate_invited/1-0-1.json',
        message:
          'version 1-0-1 is an ADDITION bump from 1-0-0 but the change is MODEL (property invitee_email removed); name it 2-0-0'
      }
    ]);
  });

  it('accepts an ADDITION bump for a new optional property and a REVISION for a narrowed enum', async () => {
    const v1 = readJson(INVITED);
    writeJson('tracking-plan/events/teammate_invited/1-0-1.json', {
      ...v1,
      $id: 'gtm:events/teammate_invited/1-0-1',
      properties: { ...v1.properties, team: { type: 'string', maxLength: 40 } }
    });
    const v101 = readJson('tracking-plan/events/teammate_invited/1-0-1.json');
    writeJson('tracking-plan/events/teammate_invited/1-1-0.json', {
      ...v101,
      $id: 'gtm:events/teammate_invited/1-1-0',
      properties: { ...v101.properties, role: { type: 'string', enum: ['admin', 'agent'] } }
    });
    const m = readJson(MAPPING);
    m.events['Teammate Invited'].fields.team = { field: null, rule: 'never' };
    writeJson(MAPPING, m);
    expect(await run()).toEqual([]);
  });

  it('compares against the last committed schema: a committed version changed in place fails', async () => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    git('add', 'tracking-plan');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'plan');
    const v1 = readJson(INVITED);
    v1.required = ['invitee_email', 'role', 'team'];
    v1.properties.team = { type: 'string', maxLength: 40 };
    writeJson(INVITED, v1);
    const m = readJson(MAPPING);
    m.events['Teammate Invited'].fields.team = { field: null, rule: 'never' };
    writeJson(MAPPING, m);
    expect(await run()).toEqual([
      {
        file: INVITED,
        message:
          'version 1-0-0 is committed and was changed in place (MODEL: required property team added); restore it and add version 2-0-0'
      }
    ]);
  });

  it('fails on names off the convention, a missing owner and an event a KPI reads that the plan lacks', async () => {
    const v = readJson(INVITED);
    delete v['x-owner'];
    v.title = 'teammate invite';
    writeJson(INVITED, v);
    const lineage = readJson('tracking-plan/lineage.json');
    lineage.kpis[0].reads.push('Pilot Begun');
    writeJson('tracking-plan/lineage.json', lineage);
    const messages = (await run()).map((p) => `${p.file}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        `${INVITED}: event name "teammate invite" must be Title Case words, Object then past-tense action (e.g. "Pilot Started")`,
        `${INVITED}: x-owner is required (who owns the event)`,
        'tracking-plan/lineage.json: reads event "Pilot Begun", which the plan does not have'
      ])
    );
  });

  // before: three KPI contracts counted Funnel_Event__c rows named "onboarding_activated" (and two more), a spelling
  // no event has, so those KPIs could only ever read "insufficient data"
  it("fails on a KPI contract that counts Funnel_Event__c rows by a name the plan's events do not have", async () => {
    const file = path.join(
      dir,
      'force-app/main/default/customMetadata/GTM_KPI_Contract.Time_To_Activation.md-meta.xml'
    );
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace("Event_Name__c = 'Onboarding Activated'", "Event_Name__c = 'onboarding_activated'")
    );
    expect((await run()).map((p) => `${p.file} [${p.field}]: ${p.message}`)).toEqual([
      'force-app/main/default/customMetadata/GTM_KPI_Contract.Time_To_Activation.md-meta.xml [numerator filter]: counts Funnel_Event__c rows named "onboarding_activated", which the plan does not have (did you mean "Onboarding Activated"?)'
    ]);
  });

  it('fails, naming the file, on a schema that does not compile', async () => {
    const v = readJson(INVITED);
    v.properties.role.type = 'text';
    writeJson(INVITED, v);
    const problems = await run();
    expect(problems).toContainEqual(
      expect.objectContaining({ file: INVITED, message: expect.stringContaining('the schema does not compile') })
    );
  });

  it('reads the policy keys a KPI names through the policy reader: a missing key fails, an unreadable policy is left to the policy check', async () => {
    const lineage = readJson('tracking-plan/lineage.json');
    lineage.kpis[0].policy.push('No_Such_Policy_Key');
    writeJson('tracking-plan/lineage.json', lineage);
    expect((await run()).map((p) => `${p.file}: ${p.message}`)).toEqual([
      'tracking-plan/lineage.json: names policy key No_Such_Policy_Key, which policy/gtm-policy.json does not have'
    ]);
    // a policy file giving "policies" twice is refused by readPolicyJson; JSON.parse kept the last, empty one, and
    // every key a KPI names was reported missing
    const policyFile = path.join(dir, 'policy/gtm-policy.json');
    const text = fs.readFileSync(policyFile, 'utf8').trimEnd();
    fs.writeFileSync(policyFile, `${text.slice(0, -1)}, "policies": {} }`);
    lineage.kpis[0].policy.pop();
    writeJson('tracking-plan/lineage.json', lineage);
    expect(await run()).toEqual([]);
  });
});
