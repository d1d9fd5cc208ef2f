import { fieldReferencesCheck } from '../checks/fieldReferences';
import { apexClass, dataModel, DEFAULT, lwcBundle, makeProject, removeProject } from './fixtures';

async function run(files: Record<string, string>) {
  const dir = makeProject({ ...dataModel(), ...files });
  try {
    return await fieldReferencesCheck.run({ projectDir: dir });
  } finally {
    removeProject(dir);
  }
}

const GOOD_APEX = `public with sharing class ProjectService {
  public static List<Project__c> open(Id accountId) {
    return [
      SELECT Id, Project_Key__c, Budget__c, Account__r.Name,
        (SELECT Hours__c FROM Task_Items__r)
      FROM Project__c
      WHERE Account__c = :accountId AND Budget__c > 0
      WITH USER_MODE
    ];
  }
  public static Integer itemCount(Project__c project) {
    return project.Task_Items__r.size();
  }
  public static Decimal hours(Task_Item__c item) {
    Schema.DescribeFieldResult d = Schema.SObjectType.Task_Item__c.fields.Hours__c;
    String label = Project__c.Budget__c.getDescribe().getLabel();
    Task_Item__c copy = new Task_Item__c(Hours__c = item.Hours__c, Project__c = item.Project__r.Id);
    List<SObject> rows = Database.query('SELECT Id, Budget__c FROM Project__c WHERE Project_Key__c = :key');
    String setting = Setting__mdt.getInstance('Default').Value__c;
    return item.Hours__c + item.Project__r.Budget__c;
  }
}
`;

const GOOD_LWC = `import { LightningElement, api, wire } from 'lwc';
import { getRecord } from 'lightning/uiRecordApi';
import BUDGET from '@salesforce/schema/Project__c.Budget__c';
import ACCOUNT_NAME from '@salesforce/schema/Task_Item__c.Project__r.Account__r.Name';
import NAME from '@salesforce/schema/Account.Name';

export default class ProjectCard extends LightningElement {
  @api recordId;
  @wire(getRecord, { recordId: '$recordId', fields: [BUDGET, ACCOUNT_NAME, NAME], optionalFields: ['Project__c.Project_Key__c'] })
  project;
}
`;

describe('field-references', () => {
  it('passes code whose every custom name exists (SOQL, subqueries, describe, constructors, typed records, LWC, scripts)', async () => {
    const problems = await run({
      ...apexClass('ProjectService', GOOD_APEX),
      ...lwcBundle(
        'projectCard',
        GOOD_LWC,
        '<template>\n  <lightning-input-field field-name="Budget__c"></lightning-input-field>\n</template>\n'
      ),
      'scripts/sync/columns.ts': "export const COLUMNS = ['Project_Key__c', 'Task_Item__c.Hours__c', 'Setting__mdt'];\n"
    });
    expect(problems).toEqual([]);
  });

  it('reports a missing field referenced from Apex: inline SOQL, a dynamic query, a token and a typed record', async () => {
    const apex = `public with sharing class Reports {
  public static void run(Task_Item__c item) {
    List<Project__c> rows = [SELECT Id, Budgett__c FROM Project__c WITH USER_MODE];
    List<SObject> more = Database.query('SELECT Id FROM Project__c WHERE Phase__c = null');
    Schema.SObjectField f = Project__c.Cost__c;
    Decimal minutes = item.Minutes__c;
    String name = item.Project__r.Owner_Name__c;
    List<Ghost__c> ghosts = new List<Ghost__c>();
  }
}
`;
    const problems = await run(apexClass('Reports', apex));
    const file = `${DEFAULT}/classes/Reports.cls`;
    expect(problems.map((p) => [p.file, p.line, p.field])).toEqual([
      [file, 3, 'Project__c.Budgett__c'],
      [file, 4, 'Project__c.Phase__c'],
      [file, 5, 'Project__c.Cost__c'],
      [file, 6, 'Task_Item__c.Minutes__c'],
      [file, 7, 'Project__c.Owner_Name__c'],
      [file, 8, 'Ghost__c'],
      [file, 8, 'Ghost__c']
    ]);
    expect(problems[0]).toMatchObject({
      column: 41,
      message: 'field Project__c.Budgett__c is not defined in force-app'
    });
  });

  it('reports a custom child relationship written without __r in a subquery', async () => {
    const problems = await run(
      apexClass(
        'ProjectItems',
        'public with sharing class ProjectItems {\n  public static List<Project__c> f() {\n    return [SELECT Id, (SELECT Id FROM Task_Items) FROM Project__c WITH USER_MODE];\n  }\n}\n'
      )
    );
    expect(problems).toEqual([
      expect.objectContaining({
        line: 3,
        field: 'Project__c.Task_Items',
        message: 'child relationship Task_Items of Project__c must be written Task_Items__r in SOQL'
      })
    ]);
  });

  it('reports a lookup written with __c in the middle of a query path', async () => {
    const problems = await run(
      apexClass(
        'ItemProjects',
        'public with sharing class ItemProjects {\n  public static List<Task_Item__c> f() {\n    return [SELECT Id, Project__c.Budget__c FROM Task_Item__c WITH USER_MODE];\n  }\n}\n'
      )
    );
    expect(problems).toEqual([
      expect.objectContaining({ line: 3, message: 'Project__c in a query path must be written Project__r' })
    ]);
  });

  it('reports a missing field imported into an LWC from @salesforce/schema, and a bad relationship path', async () => {
    const js = `import { LightningElement } from 'lwc';
import BUDGET from '@salesforce/schema/Project__c.Budgett__c';
import KEY from '@salesforce/schema/Task_Item__c.Projet__r.Project_Key__c';
import SEGMENT from '@salesforce/schema/Account.Segment__c';
export default class ProjectCard extends LightningElement {
  fields = [BUDGET, KEY, SEGMENT];
}
`;
    const problems = await run(lwcBundle('projectCard', js));
    const file = `${DEFAULT}/lwc/projectCard/projectCard.js`;
    expect(problems).toEqual([
      {
        file,
        line: 2,
        column: 51,
        field: 'Project__c.Budgett__c',
        message: 'field Project__c.Budgett__c is not defined in force-app'
      },
      {
        file,
        line: 3,
        column: 50,
        field: 'Task_Item__c.Projet__r',
        message: expect.stringContaining('no lookup field Task_Item__c.Projet__c')
      },
      {
        file,
        line: 4,
        column: 49,
        field: 'Account.Segment__c',
        message: 'field Account.Segment__c is not defined in force-app'
      }
    ]);
  });

  it('reports names in TypeScript string literals that force-app does not define', async () => {
    const problems = await run({
      'scripts/sync/columns.ts':
        '// Budget_Old__c in a comment is fine\n' +
        "export const COLUMNS = ['Project_Key__c', 'Project__c.Budjet__c'];\n" +
        "export const OBJECT = 'Program__c';\n"
    });
    expect(problems.map((p) => [p.file, p.line, p.field])).toEqual([
      ['scripts/sync/columns.ts', 2, 'Project__c.Budjet__c'],
      ['scripts/sync/columns.ts', 3, 'Program__c']
    ]);
  });

  it('skips tests and fixtures, which reference made-up names on purpose', async () => {
    const problems = await run({
      [`${DEFAULT}/lwc/projectCard/__tests__/projectCard.test.js`]: "const FIELD = 'Project__c.Nope__c';\n",
      'scripts/sync/__tests__/columns.test.ts': "const junk = 'Junk__c';\n",
      ...apexClass(
        'ProjectServiceTest',
        "@IsTest\nprivate class ProjectServiceTest {\n  static String ok = 'Project__c.Budget__c';\n}\n"
      )
    });
    expect(problems).toEqual([]);
  });
});
