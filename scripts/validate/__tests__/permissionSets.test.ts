/**
 * What the permission sets grant, where an org would behave differently from the Apex tests.
 *
 * The panels the record and app pages place call Apex controllers; an org refuses a call to a class the user's
 * permission sets do not grant ("You do not have access to the Apex class named ..."), which Apex tests do not see
 * (they call the controller directly). So every controller a deployed page's component imports must be granted by
 * GTM_Copilot_User, the permission set the README gives AEs and CS Ops for the panels.
 */
import fs from 'node:fs';
import path from 'node:path';

const APP = path.resolve(__dirname, '../../../force-app/main/default');
const ignored = fs
  .readFileSync(path.resolve(__dirname, '../../../.forceignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line.startsWith('force-app/'));

function deployed(file: string): boolean {
  const rel = path.relative(path.resolve(APP, '../../..'), file);
  return !ignored.some((entry) => rel === entry || rel.startsWith(entry + '/'));
}

/** Custom components (no namespace) placed on the deployed flexipages. */
function placedComponents(): string[] {
  const dir = path.join(APP, 'flexipages');
  const names = new Set<string>();
  for (const file of fs.readdirSync(dir).map((f) => path.join(dir, f))) {
    if (!deployed(file)) continue;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/<componentName>([^<:]+)<\/componentName>/g)) {
      names.add(m[1] ?? '');
    }
  }
  return [...names].sort();
}

/** The Apex classes a component's JavaScript imports (@salesforce/apex/Class.method). */
function controllersOf(component: string): string[] {
  const dir = path.join(APP, 'lwc', component);
  const classes = new Set<string>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    for (const m of fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/@salesforce\/apex\/(\w+)\./g)) {
      classes.add(m[1] ?? '');
    }
  }
  return [...classes];
}

function grantedClasses(permissionSet: string): Set<string> {
  const xml = fs.readFileSync(path.join(APP, 'permissionsets', `${permissionSet}.permissionset-meta.xml`), 'utf8');
  return new Set([...xml.matchAll(/<apexClass>(\w+)<\/apexClass>/g)].map((m) => m[1] ?? ''));
}

describe('panel controllers are granted', () => {
  it('GTM_Copilot_User grants every Apex controller a deployed page component calls', () => {
    const granted = grantedClasses('GTM_Copilot_User');
    const components = placedComponents();
    expect(components).toContain('hallucinationGate');
    const missing = components.flatMap((c) =>
      controllersOf(c)
        .filter((cls) => !granted.has(cls))
        .map((cls) => `${c} -> ${cls}`)
    );
    expect(missing).toEqual([]);
  });
});

/** One object's permissions and its fields' editability in a permission set. */
function accessTo(permissionSet: string, object: string): { create: boolean; edit: boolean; editableFields: string[] } {
  const xml = fs.readFileSync(path.join(APP, 'permissionsets', `${permissionSet}.permissionset-meta.xml`), 'utf8');
  const block = [...xml.matchAll(/<objectPermissions>([\s\S]*?)<\/objectPermissions>/g)]
    .map((m) => m[1] ?? '')
    .find((b) => b.includes(`<object>${object}</object>`));
  const editableFields = [...xml.matchAll(/<fieldPermissions>([\s\S]*?)<\/fieldPermissions>/g)]
    .map((m) => m[1] ?? '')
    .filter((b) => b.includes(`<field>${object}.`) && b.includes('<editable>true</editable>'))
    .map((b) => /<field>([^<]+)<\/field>/.exec(b)?.[1] ?? '');
  return {
    create: block?.includes('<allowCreate>true</allowCreate>') ?? false,
    edit: block?.includes('<allowEdit>true</allowEdit>') ?? false,
    editableFields
  };
}

describe('funnel events are written by the system only', () => {
  // GtmFunnelEventPublisher derives CRM events from saved changes (SYSTEM_MODE); a seller who could create rows
  // could forge product events too (Go Live Enabled, Agent Activity Reported) and move activation and PQA results
  it('GTM_Copilot_User reads Funnel_Event__c and may not create or edit a row or a field', () => {
    expect(accessTo('GTM_Copilot_User', 'Funnel_Event__c')).toEqual({ create: false, edit: false, editableFields: [] });
  });

  it('GTM_Copilot_Admin, which syncs product events, still writes them', () => {
    expect(accessTo('GTM_Copilot_Admin', 'Funnel_Event__c').create).toBe(true);
  });
});

describe('experiment results are written by their services only', () => {
  // an AE who could edit these could mark their own SLA Met, backdate a first touch or a step's completion, or move an
  // onboarding plan's start or arm: exp-001's and exp-008's measurements. GtmTouchService, GtmPqaView.disqualify and
  // GtmOnboardingPlanService write them in system mode after their own checks.
  it.each(['Routing_Assignment__c', 'PQA_Signal__c', 'Onboarding_Plan__c', 'Onboarding_Plan_Step__c'])(
    'GTM_Copilot_User reads %s and may not create or edit a row or a field',
    (object) => {
      expect(accessTo('GTM_Copilot_User', object)).toEqual({ create: false, edit: false, editableFields: [] });
    }
  );
});
