/**
 * field-references on standard names in SOQL: fields, relationship paths and child relationships of standard
 * objects (from apex-ls's sobject-types jar) and the standard fields of custom objects. Each misspelling fails
 * the check naming the file, line and the closest valid name; valid SOQL of every shape passes.
 */
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

/** One Apex class whose body holds the given statements, one per line from line 3. */
const apexWith = (name: string, lines: string[]) =>
  apexClass(
    name,
    `public with sharing class ${name} {\n  public static void run(Set<Id> ids, String key) {\n` +
      lines.map((l) => `    ${l}\n`).join('') +
      '  }\n}\n'
  );

const FILE = (name: string) => `${DEFAULT}/classes/${name}.cls`;

const VALID = [
  // fields, paths through lookups (Owner, Account.Owner, a custom lookup to Account), child relationships
  'List<Account> a = [SELECT Id, Name, Owner.Name, Parent.Owner.Email, (SELECT Id, Email FROM Contacts), (SELECT Amount, StageName FROM Opportunities ORDER BY CloseDate DESC) FROM Account WHERE Id IN :ids WITH USER_MODE];',
  "List<Contact> c = [SELECT Account.Owner.Name, Account.Name FROM Contact WHERE Account.Industry = 'Tech' AND CreatedDate = LAST_N_DAYS:30 ORDER BY LastName ASC NULLS LAST LIMIT 10 WITH USER_MODE];",
  // aggregates with aliases, GROUP BY, HAVING, functions
  'List<AggregateResult> g = [SELECT StageName stage, COUNT(Id) total, SUM(Amount) amt FROM Opportunity WHERE CloseDate > 2024-01-01 AND Amount > USD5000 GROUP BY StageName HAVING COUNT(Id) > 1 WITH USER_MODE];',
  'List<AggregateResult> y = [SELECT CALENDAR_YEAR(CloseDate) yr, MAX(LastModifiedDate) m FROM Opportunity WHERE LastModifiedDate < 2024-01-01T00:00:00Z GROUP BY CALENDAR_YEAR(CloseDate) WITH USER_MODE];',
  // polymorphic lookups (the Name object), TYPEOF, toLabel / convertCurrency / FORMAT, FIELDS()
  'List<Task> t = [SELECT Id, What.Name, Who.Email, TYPEOF What WHEN Account THEN Phone, Website ELSE Name END, toLabel(Status), FORMAT(ActivityDate) FROM Task WHERE WhatId IN :ids WITH USER_MODE];',
  'List<Opportunity> o = [SELECT convertCurrency(Amount), FIELDS(STANDARD) FROM Opportunity WHERE AccountId IN (SELECT AccountId FROM Contact WHERE Email != null) WITH USER_MODE LIMIT 200];',
  // binds with calls, FOR VIEW, USING SCOPE
  "List<Lead> l = [SELECT Id FROM Lead USING SCOPE Mine WHERE Company = :String.valueOf(key).trim() AND Status = 'Open' LIMIT 1 FOR VIEW];",
  // standard fields of a custom object, a custom lookup to a standard object and onward
  'List<Project__c> p = [SELECT Id, Name, OwnerId, Owner.Name, CreatedBy.Email, LastModifiedDate, SystemModstamp, IsDeleted, RecordType.DeveloperName, Account__r.Owner.Name, Account__r.Industry, (SELECT Id, Name, CreatedDate FROM Task_Items__r) FROM Project__c WITH USER_MODE];',
  // a custom object's standard child relationships depend on its features: not judged
  'List<Project__c> h = [SELECT Id, (SELECT Field FROM Histories), (SELECT Id FROM Hystories) FROM Project__c WITH USER_MODE];',
  // custom metadata and objects nobody describes (a feature newer than the jar): not judged
  "List<Setting__mdt> s = [SELECT DeveloperName, MasterLabel, QualifiedApiName, Value__c FROM Setting__mdt WHERE DeveloperName = 'x' WITH USER_MODE];",
  "List<SObject> f = Database.query('SELECT Id, Whatever FROM FutureThing WHERE Anything = 1');",
  // dynamic queries: quoted values (escaped quotes) are data, not names
  "List<SObject> d = Database.query('SELECT Id, Name FROM Account WHERE Name = \\'Acme Widgets\\' AND Owner.IsActive = true');",
  "String frag = ' FROM Opportunity WHERE StageName = \\'' + key + '\\' AND Account.Name != null';"
];

describe('field-references: standard names in SOQL', () => {
  it('passes valid standard fields, relationship paths, child relationships and every SOQL shape around them', async () => {
    expect(await run(apexWith('StandardOk', VALID))).toEqual([]);
  });

  it('reports a misspelt standard field in SELECT, WHERE, ORDER BY and GROUP BY with the closest valid name', async () => {
    const problems = await run(
      apexWith('Misspelt', [
        'List<Account> a = [SELECT Id, Nmae FROM Account WITH USER_MODE];',
        "List<Account> b = [SELECT Id FROM Account WHERE Industy = 'Tech' WITH USER_MODE];",
        'List<Contact> c = [SELECT Id FROM Contact WITH USER_MODE ORDER BY LastNme];',
        'List<AggregateResult> g = [SELECT COUNT(Id) n FROM Opportunity GROUP BY StagName WITH USER_MODE];',
        'List<AggregateResult> s = [SELECT SUM(Amont) total FROM Opportunity WITH USER_MODE];'
      ])
    );
    const file = FILE('Misspelt');
    expect(problems.map((p) => [p.file, p.line, p.field, p.message])).toEqual([
      [file, 3, 'Account.Nmae', 'field Account.Nmae does not exist (did you mean Name?)'],
      [file, 4, 'Account.Industy', 'field Account.Industy does not exist (did you mean Industry?)'],
      [file, 5, 'Contact.LastNme', 'field Contact.LastNme does not exist (did you mean LastName?)'],
      [file, 6, 'Opportunity.StagName', 'field Opportunity.StagName does not exist (did you mean StageName?)'],
      [file, 7, 'Opportunity.Amont', 'field Opportunity.Amont does not exist (did you mean Amount?)']
    ]);
    expect(problems[0]!.column).toBeGreaterThan(1);
  });

  it('reports an unknown relationship anywhere in a path, and a field used as a relationship', async () => {
    const problems = await run(
      apexWith('Paths', [
        'List<Account> a = [SELECT Owner.Nmae FROM Account WITH USER_MODE];',
        'List<Contact> c = [SELECT Account.Ownr.Name FROM Contact WITH USER_MODE];',
        'List<Contact> d = [SELECT Id FROM Contact WHERE Acount.Name = null WITH USER_MODE];',
        'List<Contact> e = [SELECT AccountId.Name FROM Contact WITH USER_MODE];',
        'List<Project__c> p = [SELECT Account__r.Ownr.Name, CreatedBy.Emial FROM Project__c WITH USER_MODE];',
        'List<Task> t = [SELECT What.Industry FROM Task WITH USER_MODE];'
      ])
    );
    const file = FILE('Paths');
    expect(problems.map((p) => [p.file, p.line, p.field, p.message])).toEqual([
      [file, 3, 'User.Nmae', 'field User.Nmae does not exist (did you mean Name?)'],
      [file, 4, 'Account.Ownr', 'relationship Account.Ownr does not exist (did you mean Owner?)'],
      [file, 5, 'Contact.Acount', 'relationship Contact.Acount does not exist (did you mean Account?)'],
      [file, 6, 'Contact.AccountId', 'Contact.AccountId is a field, not a relationship (did you mean Account?)'],
      [file, 7, 'Account.Ownr', 'relationship Account.Ownr does not exist (did you mean Owner?)'],
      [file, 7, 'User.Emial', 'field User.Emial does not exist (did you mean Email?)'],
      [
        file,
        8,
        'Name.Industry',
        "field Name.Industry does not exist; a polymorphic lookup has only the Name object's fields, TYPEOF reaches the others"
      ]
    ]);
  });

  it('reports an unknown child relationship in a subquery FROM, of a standard object', async () => {
    const problems = await run(
      apexWith('Children', [
        'List<Account> a = [SELECT Id, (SELECT Id FROM Oportunities) FROM Account WITH USER_MODE];',
        'List<Account> b = [SELECT Id, (SELECT Id, Emial FROM Contacts) FROM Account WITH USER_MODE];'
      ])
    );
    const file = FILE('Children');
    expect(problems.map((p) => [p.file, p.line, p.field, p.message])).toEqual([
      [
        file,
        3,
        'Account.Oportunities',
        'child relationship Oportunities of Account does not exist (did you mean Opportunities?)'
      ],
      [file, 4, 'Contact.Emial', 'field Contact.Emial does not exist (did you mean Email?)']
    ]);
  });

  it('reports a misspelt standard field of a custom object, and in a dynamic query and a TypeScript query', async () => {
    const problems = await run({
      ...apexWith('Dynamic', [
        'List<Project__c> p = [SELECT Nmae, CreatedDat FROM Project__c WITH USER_MODE];',
        "List<SObject> d = Database.query('SELECT Id FROM Opportunity WHERE Stage = \\'Won\\'');"
      ]),
      'scripts/sync/query.ts': "export const Q = 'SELECT Id, Nam FROM Account WHERE Id IN :ids';\n"
    });
    expect(problems.map((p) => [p.file, p.line, p.field, p.message])).toEqual([
      [FILE('Dynamic'), 3, 'Project__c.Nmae', 'field Project__c.Nmae does not exist (did you mean Name?)'],
      [
        FILE('Dynamic'),
        3,
        'Project__c.CreatedDat',
        'field Project__c.CreatedDat does not exist (did you mean CreatedDate?)'
      ],
      [FILE('Dynamic'), 4, 'Opportunity.Stage', expect.stringMatching(/^field Opportunity\.Stage does not exist/)],
      ['scripts/sync/query.ts', 1, 'Account.Nam', 'field Account.Nam does not exist (did you mean Name?)']
    ]);
  });

  it('checks standard names in LWC schema imports: valid paths pass, a misspelling names the closest name', async () => {
    const js = (imports: string[]) =>
      `import { LightningElement } from 'lwc';\n${imports.join('\n')}\nexport default class Card extends LightningElement {}\n`;
    const ok = await run(
      lwcBundle(
        'card',
        js([
          "import NAME from '@salesforce/schema/Account.Name';",
          "import OWNER from '@salesforce/schema/Contact.Account.Owner.Name';",
          "import PROJECT_OWNER from '@salesforce/schema/Project__c.Owner.Name';",
          "import NEWER from '@salesforce/schema/FutureThing.Whatever';"
        ])
      )
    );
    expect(ok).toEqual([]);
    const bad = await run(
      lwcBundle(
        'card',
        js([
          "import NAME from '@salesforce/schema/Account.Nmae';",
          "import OWNER from '@salesforce/schema/Contact.Acount.Name';"
        ])
      )
    );
    const file = `${DEFAULT}/lwc/card/card.js`;
    expect(bad.map((p) => [p.file, p.line, p.field, p.message])).toEqual([
      [file, 2, 'Account.Nmae', 'field Account.Nmae does not exist (did you mean Name?)'],
      [file, 3, 'Contact.Acount', 'relationship Contact.Acount does not exist (did you mean Account?)']
    ]);
  });
});
