/**
 * The compile step (`apex-compile`, with `field-references` for SOQL) against mutations a deploy would reject:
 * each one is added to its own temp copy of the project and must fail naming its file and line. Plus the parts
 * that need no JVM: the Java 17 class copies, apex-ls's report, and the private-member rule.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ToolError, type Problem } from '../../lib/errors';
import { REPO_ROOT } from '../../lib/paths';
import { makeTempProject, removeTempProject } from '../../test-support/tempProject';
import { runChecks } from '../index';
import { privateMemberUses } from '../references/visibility';
import { apexLsJarsDir, java17Classes, parseApexLsReport, runApexLs } from '../tools/apexLs';

// apex-ls starts a JVM and loads the project: several seconds per run on a 2-core machine
jest.setTimeout(180_000);

const DIR = 'force-app/main/default/classes/mutations';
const META =
  '<?xml version="1.0" encoding="UTF-8"?>\n<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
  '    <apiVersion>65.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n';

/** Adds classes to a fresh copy of the project, runs the compile step, returns the problems. */
async function compileWith(classes: Record<string, string>): Promise<Problem[]> {
  const dir = makeTempProject(['sfdx-project.json', 'force-app']);
  try {
    for (const [name, body] of Object.entries(classes)) {
      fs.mkdirSync(path.join(dir, DIR), { recursive: true });
      fs.writeFileSync(path.join(dir, DIR, `${name}.cls`), body);
      fs.writeFileSync(path.join(dir, DIR, `${name}.cls-meta.xml`), META);
    }
    const results = await runChecks({ projectDir: dir, only: ['field-references', 'apex-compile'] });
    return results.flatMap((r) => r.problems);
  } finally {
    removeTempProject(dir);
  }
}

const at = (name: string, line: number, message: RegExp) =>
  expect.objectContaining({ file: `${DIR}/${name}.cls`, line, message: expect.stringMatching(message) });

describe('apex-compile and field-references reject what a deploy would', () => {
  it('a reserved identifier', async () => {
    const problems = await compileWith({
      MutReserved:
        'public with sharing class MutReserved {\n  public static Integer f() {\n    Integer number = 1;\n    return number;\n  }\n}\n'
    });
    expect(problems).toContainEqual(at('MutReserved', 3, /'number' is a reserved identifier/));
  });

  it('a child relationship without __r, in Apex and in a SOQL subquery', async () => {
    const problems = await compileWith({
      MutChild: [
        'public with sharing class MutChild {',
        '  public static Integer f() {',
        '    Pilot_Scorecard__c s = [SELECT Id, (SELECT Id FROM Criteria) FROM Pilot_Scorecard__c WITH USER_MODE LIMIT 1];',
        '    return s.Criteria.size();',
        '  }',
        '}',
        ''
      ].join('\n')
    });
    expect(problems).toContainEqual(
      at('MutChild', 3, /child relationship Criteria of Pilot_Scorecard__c must be written Criteria__r/)
    );
    expect(problems).toContainEqual(
      at('MutChild', 4, /Unknown field 'Criteria' on SObject 'Schema.Pilot_Scorecard__c'/)
    );
  });

  it('an unknown field in SOQL', async () => {
    const problems = await compileWith({
      MutSoql: [
        'public with sharing class MutSoql {',
        '  public static List<Opportunity> f() {',
        '    return [SELECT Id, Pilot_Started__c FROM Opportunity WITH USER_MODE];',
        '  }',
        '}',
        ''
      ].join('\n')
    });
    expect(problems).toContainEqual(at('MutSoql', 3, /field Opportunity.Pilot_Started__c is not defined in force-app/));
  });

  it('an unknown method of a project class', async () => {
    const problems = await compileWith({
      MutMethod:
        'public with sharing class MutMethod {\n  public static void f() {\n    GtmOpportunitySelector.byNames(null);\n  }\n}\n'
    });
    expect(problems).toContainEqual(
      at('MutMethod', 3, /No matching method found for 'byNames' on 'GtmOpportunitySelector'/)
    );
  });

  it('a type mismatch: a Datetime assigned to a Date', async () => {
    const problems = await compileWith({
      MutType:
        'public with sharing class MutType {\n  public static Date f() {\n    Date d = Datetime.now();\n    return d;\n  }\n}\n'
    });
    expect(problems).toContainEqual(
      at('MutType', 3, /Incompatible types in assignment, from 'System.Datetime' to 'System.Date'/)
    );
  });

  it('a private member used from another class, statically and through a variable', async () => {
    const problems = await compileWith({
      MutOwner: [
        'public with sharing class MutOwner {',
        '  private static Integer secret = 1;',
        '  Integer implicitlyPrivate = 2;',
        '  public Integer shown = 3;',
        '}',
        ''
      ].join('\n'),
      MutUser: [
        'public with sharing class MutUser {',
        '  public static Integer f() {',
        '    MutOwner o = new MutOwner();',
        '    return MutOwner.secret + o.implicitlyPrivate + o.shown;',
        '  }',
        '}',
        ''
      ].join('\n')
    });
    const mine = problems.filter((p) => p.file.startsWith(DIR));
    expect(mine).toEqual([
      at('MutUser', 4, /^MutOwner.secret is private and cannot be used from MutUser$/),
      at('MutUser', 4, /^MutOwner.implicitlyPrivate is private and cannot be used from MutUser$/)
    ]);
  });
});

describe('private members (no JVM)', () => {
  const src = (file: string, text: string) => ({ file, text });
  const OWNER = src(
    'Owner.cls',
    [
      'public with sharing class Owner {',
      '  @TestVisible private static Integer seen = 1;',
      '  private static Integer hidden() { return 2; }',
      '  public static Integer hidden(Integer x) { return x; }',
      '  private class Inner { private Integer depth = 3; }',
      '  public class Open { private Integer depth = 4; }',
      '  public static Integer own() { Inner i = new Inner(); return i.depth + seen; }',
      '}'
    ].join('\n')
  );

  it('allows the same top-level class, a public overload, and @TestVisible from a test class', () => {
    const test = src(
      'OwnerTest.cls',
      '@IsTest\nprivate class OwnerTest {\n  @IsTest static void t() { Integer a = Owner.seen + Owner.hidden(1); }\n}'
    );
    expect(privateMemberUses([OWNER, test])).toEqual([]);
  });

  it('refuses @TestVisible from a non-test class, a private inner class, and a private member of a public inner class', () => {
    const user = src(
      'User.cls',
      [
        'public with sharing class User2 {',
        '  public static void f() {',
        '    Integer a = Owner.seen;',
        '    Object b = new Owner.Inner();',
        '    Owner.Open o = new Owner.Open();',
        '    Integer c = o.depth;',
        '  }',
        '}'
      ].join('\n')
    );
    expect(privateMemberUses([OWNER, user]).map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '3:23 Owner.seen is private (@TestVisible: test classes only) and cannot be used from User2',
      '4:26 Owner.Inner is private and cannot be used from User2',
      '6:19 Owner.Open.depth is private and cannot be used from User2'
    ]);
  });

  const FACTORY = src(
    'Factory.cls',
    [
      'public with sharing class Factory {',
      '  private Integer secret = 1;',
      '  public Integer shown = 2;',
      '  public Factory next;',
      '  public static Factory make() { return new Factory(); }',
      '  public Factory again() { return this; }',
      '  public static Factory.Part part() { return new Part(); }',
      '  public class Part { private Integer depth = 3; public Integer size = 4; public Part self() { return this; } }',
      '  public static Object mixed(Integer x) { return x; }',
      '  public static Factory mixed(String x) { return null; }',
      '}'
    ].join('\n')
  );

  it('refuses a private member reached through a call or a field: new Cls(), Cls.make(), variable.call(), chains', () => {
    const user = src(
      'Chain.cls',
      [
        'public with sharing class Chain {',
        '  public static void f(Factory fac) {',
        '    Integer a = new Factory().secret;',
        '    Integer b = Factory.make().secret;',
        '    Integer c = Factory.make().again().next.secret;',
        '    Integer d = fac.again().secret + fac.next.secret;',
        '    Integer e = Factory.part().self().depth;',
        '    Integer ok = new Factory().shown + Factory.make().again().shown + Factory.part().size;',
        '  }',
        '}'
      ].join('\n')
    );
    expect(privateMemberUses([FACTORY, user]).map((p) => `${p.file}:${p.line}:${p.column} ${p.message}`)).toEqual([
      'Chain.cls:3:31 Factory.secret is private and cannot be used from Chain',
      'Chain.cls:4:32 Factory.secret is private and cannot be used from Chain',
      'Chain.cls:5:45 Factory.secret is private and cannot be used from Chain',
      'Chain.cls:6:29 Factory.secret is private and cannot be used from Chain',
      'Chain.cls:6:47 Factory.secret is private and cannot be used from Chain',
      'Chain.cls:7:39 Factory.Part.depth is private and cannot be used from Chain'
    ]);
  });

  it('allows the same chains inside the class itself, and stays silent on overloads returning different types', () => {
    const inside = src(
      'Factory2.cls',
      'public with sharing class Factory2 {\n  private Integer secret = 1;\n  public static Integer f() { return new Factory2().secret; }\n}'
    );
    const user = src(
      'Mixed.cls',
      'public with sharing class Mixed {\n  public static void f() { Object a = Factory.mixed(null).secret; }\n}'
    );
    expect(privateMemberUses([FACTORY, inside, user])).toEqual([]);
  });

  it('stays silent where it cannot be sure: a variable declared with two types in one file', () => {
    const user = src(
      'User.cls',
      [
        'public with sharing class User3 {',
        '  public static void f(Owner.Open x) { Integer a = x.size; }',
        '  public static void g(String x) { Integer a = x.depth; }',
        '}'
      ].join('\n')
    );
    expect(privateMemberUses([OWNER, user])).toEqual([]);
  });
});

describe('apex-ls plumbing (no JVM)', () => {
  it('copies exactly the classes newer than Java 17, lowered to version 61, once', async () => {
    const jarsDir = apexLsJarsDir();
    const jar = path.join(jarsDir, fs.readdirSync(jarsDir).find((f) => /^apex-ls_.*\.jar$/.test(f))!);
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-apexls-'));
    try {
      const dir = await java17Classes(jar, cache);
      const classes: string[] = [];
      const walk = (d: string) =>
        fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
          const full = path.join(d, e.name);
          if (e.isDirectory()) walk(full);
          else if (e.name.endsWith('.class')) classes.push(full);
        });
      walk(dir);
      expect(classes.length).toBeGreaterThan(0);
      for (const c of classes) {
        const b = fs.readFileSync(c);
        expect(b.readUInt32BE(0)).toBe(0xcafebabe);
        expect(b.readUInt16BE(6)).toBe(61);
      }
      expect(fs.readFileSync(path.join(dir, '.complete'), 'utf8')).toBe(
        `${classes.length} classes lowered to version 61\n`
      );
      // a second call reuses the copy
      const mtime = fs.statSync(path.join(dir, '.complete')).mtimeMs;
      expect(await java17Classes(jar, cache)).toBe(dir);
      expect(fs.statSync(path.join(dir, '.complete')).mtimeMs).toBe(mtime);
      expect(fs.readdirSync(cache)).toEqual([path.basename(dir)]);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('a class cache that cannot be written is one clear ToolError, not a crash', async () => {
    const err = await runApexLs(REPO_ROOT, '/dev/null/cache').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/^cannot write apex-ls's Java 17 classes under \/dev\/null\/cache: /);
  });

  it('reads the JSON report into located problems, and refuses anything else', () => {
    const report = JSON.stringify({
      files: [
        {
          path: '/p/force-app/main/default/classes/B.cls',
          messages: [
            {
              start: { line: 9, offset: 4 },
              end: { line: 9, offset: 8 },
              category: 'Missing',
              message: "Unknown field 'X'"
            },
            { start: { line: 2, offset: 0 }, end: { line: 2, offset: 3 }, category: 'Error', message: 'bad' }
          ]
        }
      ]
    });
    expect(parseApexLsReport(report, '/p')).toEqual([
      { file: 'force-app/main/default/classes/B.cls', line: 2, column: 1, message: 'bad' },
      { file: 'force-app/main/default/classes/B.cls', line: 9, column: 5, message: "missing: Unknown field 'X'" }
    ]);
    expect(() => parseApexLsReport('Exception in thread "main"', '/p')).toThrow(/not its JSON report/);
  });
});
