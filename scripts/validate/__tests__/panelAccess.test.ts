/**
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
