import { apexSyntaxCheck, apexSyntaxErrors, unexplainedWithoutSharing } from '../checks/apexSyntax';
import { apexClass, DEFAULT, makeProject, removeProject, writeFile } from './fixtures';

const GOOD = `public with sharing class ProjectService {
  public static List<Account> recent() {
    return [SELECT Id, Name FROM Account WITH USER_MODE ORDER BY CreatedDate DESC LIMIT 10];
  }
}
`;

const BAD = `public with sharing class Broken {
  public static Integer twice(Integer x) {
    Integer y = x * ;
    return y;
  }
}
`;

async function run(files: Record<string, string>) {
  const dir = makeProject(files);
  try {
    return await apexSyntaxCheck.run({ projectDir: dir });
  } finally {
    removeProject(dir);
  }
}

describe('apex-syntax', () => {
  it('passes valid Apex, including SOQL WITH USER_MODE and a trigger', async () => {
    const problems = await run({
      ...apexClass('ProjectService', GOOD),
      [`${DEFAULT}/triggers/AccountTrigger.trigger`]:
        'trigger AccountTrigger on Account (before insert) {\n  new AccountHandler().run();\n}\n',
      [`${DEFAULT}/triggers/AccountTrigger.trigger-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<ApexTrigger xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <apiVersion>65.0</apiVersion>\n    <status>Active</status>\n</ApexTrigger>\n'
    });
    expect(problems).toEqual([]);
  });

  it('reports a syntax error with file, line and column', async () => {
    const problems = await run(apexClass('Broken', BAD, 'classes/feature'));
    expect(problems).toEqual([
      {
        file: `${DEFAULT}/classes/feature/Broken.cls`,
        line: 3,
        column: 21,
        message: expect.stringMatching(/^mismatched input ';'/)
      }
    ]);
    // ANTLR's list of 150+ expected tokens is cut down to something a person can read
    expect(problems[0]!.message.length).toBeLessThan(200);
  });

  it('requires the -meta.xml beside each class', async () => {
    const dir = makeProject();
    try {
      writeFile(dir, `${DEFAULT}/classes/Orphan.cls`, 'public with sharing class Orphan {\n}\n');
      expect(await apexSyntaxCheck.run({ projectDir: dir })).toEqual([
        expect.objectContaining({
          file: `${DEFAULT}/classes/Orphan.cls`,
          message: expect.stringContaining('no Orphan.cls-meta.xml')
        })
      ]);
    } finally {
      removeProject(dir);
    }
  });

  it('parses a trigger with the trigger grammar', () => {
    expect(apexSyntaxErrors('trigger T on Account (before insert) { }', 'trigger')).toEqual([]);
    expect(apexSyntaxErrors('trigger T on Account (before insert) { }', 'class')).not.toEqual([]);
  });

  it('accepts without sharing only with a comment above it that says why', async () => {
    const unexplained = 'public without sharing class Elevated {\n}\n';
    const explained =
      '// why: the gate must see every collateral record, whoever the AE is\npublic without sharing class Elevated {\n}\n';
    expect(unexplainedWithoutSharing(unexplained)).toEqual([1]);
    expect(unexplainedWithoutSharing(explained)).toEqual([]);
    expect(
      unexplainedWithoutSharing('// a class without sharing would be wrong\npublic with sharing class Fine {\n}\n')
    ).toEqual([]);
    const problems = await run(apexClass('Elevated', unexplained));
    expect(problems).toEqual([
      expect.objectContaining({
        file: `${DEFAULT}/classes/Elevated.cls`,
        line: 1,
        message: expect.stringContaining('without sharing needs a comment')
      })
    ]);
  });
});
