import { metadataXmlCheck } from '../checks/metadataXml';
import {
  customObject,
  dataModel,
  DEFAULT,
  field,
  fieldPermission,
  makeProject,
  objectPermission,
  permissionSet,
  removeProject,
  textField
} from './fixtures';

jest.setTimeout(60_000);

const OBJ = `${DEFAULT}/objects`;

async function check(files: Record<string, string>) {
  const dir = makeProject({ ...dataModel(), ...files });
  try {
    return await metadataXmlCheck.run({ projectDir: dir });
  } finally {
    removeProject(dir);
  }
}

describe('metadata-xml', () => {
  it('passes a valid data model with permissions, layout, list view, tab and custom metadata record', async () => {
    const problems = await check({
      ...permissionSet(
        'Project_User',
        fieldPermission('Project__c.Budget__c') +
          fieldPermission('Task_Item__c.Hours__c', false) +
          objectPermission('Project__c', { read: true, edit: true, create: true })
      ),
      [`${DEFAULT}/layouts/Project__c-Project Layout.layout-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<Layout xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <layoutSections>\n        <layoutColumns>\n' +
        '            <layoutItems><behavior>Edit</behavior><field>Budget__c</field></layoutItems>\n' +
        '            <layoutItems><behavior>Required</behavior><field>Name</field></layoutItems>\n' +
        '        </layoutColumns>\n        <style>TwoColumnsTopToBottom</style>\n    </layoutSections>\n</Layout>\n',
      [`${OBJ}/Project__c/listViews/All.listView-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<ListView xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <fullName>All</fullName>\n    <columns>NAME</columns>\n    <columns>Budget__c</columns>\n' +
        '    <filterScope>Everything</filterScope>\n    <label>All</label>\n</ListView>\n',
      [`${DEFAULT}/tabs/Project__c.tab-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<CustomTab xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <customObject>true</customObject>\n    <motif>Custom20: Airplane</motif>\n</CustomTab>\n',
      [`${DEFAULT}/customMetadata/Setting.Default.md-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<CustomMetadata xmlns="http://soap.sforce.com/2006/04/metadata" ' +
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n' +
        '    <label>Default</label>\n    <protected>false</protected>\n' +
        '    <values>\n        <field>Value__c</field>\n        <value xsi:type="xsd:string">x</value>\n    </values>\n' +
        '</CustomMetadata>\n'
    });
    expect(problems).toEqual([]);
  });

  it('rejects a field of type Percentage, naming the file, line and field', async () => {
    const problems = await check(
      field(
        'Project__c',
        'Margin__c',
        '    <precision>5</precision>\n    <scale>2</scale>\n    <type>Percentage</type>\n'
      )
    );
    expect(problems).toEqual([
      expect.objectContaining({
        file: `${OBJ}/Project__c/fields/Margin__c.field-meta.xml`,
        line: 7,
        field: 'Project__c.Margin__c',
        message: expect.stringMatching(/^<type>Percentage<\/type> is not a CustomField type \(did you mean Percent\?\)/)
      })
    ]);
  });

  it('rejects malformed XML (a mismatched tag), naming the file and line', async () => {
    const problems = await check({
      [`${OBJ}/Project__c/fields/Broken__c.field-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <fullName>Broken__c</fullName>\n    <label>Broken</label>\n    <length>80</length>\n' +
        '    <type>Text</typ>\n</CustomField>\n'
    });
    expect(problems).toContainEqual(
      expect.objectContaining({
        file: `${OBJ}/Project__c/fields/Broken__c.field-meta.xml`,
        line: 6,
        message: expect.stringMatching(/^malformed XML: .*closing tag/)
      })
    );
  });

  it('checks the attributes each field type requires', async () => {
    const problems = await check({
      ...field('Project__c', 'Code__c', '    <type>Text</type>\n'),
      ...field(
        'Project__c',
        'Score__c',
        '    <precision>4</precision>\n    <scale>6</scale>\n    <type>Number</type>\n'
      ),
      ...field('Project__c', 'Notes__c', '    <length>32768</length>\n    <type>LongTextArea</type>\n'),
      ...field('Project__c', 'Owner_Team__c', '    <referenceTo>Team__c</referenceTo>\n    <type>Lookup</type>\n'),
      ...field('Project__c', 'Stage__c', '    <type>Picklist</type>\n'),
      ...field('Project__c', 'Long_Code__c', '    <length>300</length>\n    <type>Text</type>\n')
    });
    const byField = (f: string) => problems.filter((p) => p.field === `Project__c.${f}`).map((p) => p.message);
    expect(byField('Code__c')).toEqual([expect.stringContaining('needs <length> (1-255)')]);
    expect(byField('Score__c')).toEqual([expect.stringContaining('scale 6 is invalid')]);
    expect(byField('Notes__c')).toEqual([expect.stringContaining('needs <visibleLines>')]);
    expect(byField('Owner_Team__c')).toEqual([
      expect.stringContaining('needs <relationshipName>'),
      'Lookup to Team__c, which is not defined in force-app'
    ]);
    expect(byField('Stage__c')).toEqual([expect.stringContaining('needs a <valueSet>')]);
    expect(byField('Long_Code__c')).toEqual([expect.stringContaining('<length>300</length> is outside 1-255')]);
  });

  it('limits custom metadata type fields to the types CMDT supports', async () => {
    const problems = await check(
      field(
        'Setting__mdt',
        'Owner__c',
        '    <type>Currency</type>\n    <precision>5</precision>\n    <scale>0</scale>\n'
      )
    );
    expect(problems).toEqual([
      expect.objectContaining({
        file: `${OBJ}/Setting__mdt/fields/Owner__c.field-meta.xml`,
        message: expect.stringContaining('custom metadata types cannot have Currency fields')
      })
    ]);
  });

  it('requires fullName to match the file name', async () => {
    const files = textField('Project__c', 'Alias__c');
    const [rel] = Object.keys(files);
    const problems = await check({ [rel!]: files[rel!]!.replace('<fullName>Alias__c', '<fullName>Nickname__c') });
    expect(problems).toEqual([
      expect.objectContaining({
        file: rel,
        line: 3,
        field: 'fullName',
        message: expect.stringContaining('does not match the file name Alias__c')
      })
    ]);
  });

  it('rejects permission set entries the org would refuse', async () => {
    const problems = await check(
      permissionSet(
        'Broken_Perms',
        fieldPermission('Project__c.Missing__c') +
          fieldPermission('Task_Item__c.Project__c') +
          fieldPermission('Account.Nope__c') +
          objectPermission('Ghost__c') +
          objectPermission('Project__c', { read: false, edit: true })
      )
    );
    const file = `${DEFAULT}/permissionsets/Broken_Perms.permissionset-meta.xml`;
    expect(problems.every((p) => p.file === file)).toBe(true);
    expect(problems.map((p) => [p.field, p.message])).toEqual([
      ['Project__c.Missing__c', 'fieldPermissions: field Project__c.Missing__c is not defined in force-app'],
      ['Task_Item__c.Project__c', expect.stringContaining('master-detail field: the org rejects them')],
      ['Account.Nope__c', expect.stringContaining('field Account.Nope__c is not defined in force-app')],
      ['Ghost__c', 'objectPermissions: object Ghost__c is not defined in force-app'],
      [
        'Project__c',
        'objectPermissions: allowEdit (editable) without allowRead (readable) (the org rejects the combination)'
      ]
    ]);
    expect(problems[0]!.line).toBe(6);
  });

  it('rejects permissions on a required field', async () => {
    const problems = await check({
      ...field(
        'Project__c',
        'Code__c',
        '    <length>10</length>\n    <required>true</required>\n    <type>Text</type>\n'
      ),
      ...permissionSet('P', fieldPermission('Project__c.Code__c'))
    });
    expect(problems).toEqual([
      expect.objectContaining({ field: 'Project__c.Code__c', message: expect.stringContaining('required field') })
    ]);
  });

  it('rejects layouts, list views, compact layouts and tabs naming unknown fields or objects', async () => {
    const problems = await check({
      [`${DEFAULT}/layouts/Project__c-Project Layout.layout-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<Layout xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <layoutSections>\n        <layoutColumns>\n' +
        '            <layoutItems><behavior>Edit</behavior><field>Budgett__c</field></layoutItems>\n' +
        '        </layoutColumns>\n    </layoutSections>\n</Layout>\n',
      [`${OBJ}/Project__c/listViews/All.listView-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<ListView xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <fullName>All</fullName>\n    <columns>NAME</columns>\n    <columns>Cost__c</columns>\n' +
        '    <filterScope>Everything</filterScope>\n    <label>All</label>\n</ListView>\n',
      [`${OBJ}/Project__c/compactLayouts/Card.compactLayout-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<CompactLayout xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <fullName>Card</fullName>\n    <fields>Name</fields>\n    <fields>Phase__c</fields>\n    <label>Card</label>\n</CompactLayout>\n',
      [`${DEFAULT}/tabs/Ghost__c.tab-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<CustomTab xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <customObject>true</customObject>\n    <motif>Custom20: Airplane</motif>\n</CustomTab>\n'
    });
    expect(problems.map((p) => [p.file, p.line, p.field])).toEqual([
      [`${DEFAULT}/layouts/Project__c-Project Layout.layout-meta.xml`, 5, 'Project__c.Budgett__c'],
      [`${OBJ}/Project__c/compactLayouts/Card.compactLayout-meta.xml`, 5, 'Project__c.Phase__c'],
      [`${OBJ}/Project__c/listViews/All.listView-meta.xml`, 5, 'Project__c.Cost__c'],
      [`${DEFAULT}/tabs/Ghost__c.tab-meta.xml`, 3, 'Ghost__c']
    ]);
  });

  it('rejects a record page placing a component that is missing, unexposed or for another object', async () => {
    const bundle = (exposed: boolean, objects: string) =>
      '<?xml version="1.0" encoding="UTF-8"?>\n<LightningComponentBundle xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
      `    <apiVersion>65.0</apiVersion>\n    <isExposed>${exposed}</isExposed>\n` +
      '    <targets>\n        <target>lightning__RecordPage</target>\n    </targets>\n' +
      '    <targetConfigs>\n        <targetConfig targets="lightning__RecordPage">\n' +
      `            <objects>\n                <object>${objects}</object>\n            </objects>\n` +
      '        </targetConfig>\n    </targetConfigs>\n</LightningComponentBundle>\n';
    const item = (name: string) =>
      `        <itemInstances><componentInstance><componentName>${name}</componentName>` +
      `<identifier>${name.replace(':', '_')}</identifier></componentInstance></itemInstances>\n`;
    const problems = await check({
      [`${DEFAULT}/lwc/projectPanel/projectPanel.js-meta.xml`]: bundle(true, 'Project__c'),
      [`${DEFAULT}/lwc/hiddenPanel/hiddenPanel.js-meta.xml`]: bundle(false, 'Project__c'),
      [`${DEFAULT}/lwc/accountPanel/accountPanel.js-meta.xml`]: bundle(true, 'Account'),
      [`${DEFAULT}/flexipages/Project_Page.flexipage-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<FlexiPage xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <flexiPageRegions>\n' +
        item('force:detailPanel') +
        item('projectPanel') +
        item('hiddenPanel') +
        item('accountPanel') +
        item('ghostPanel') +
        '        <mode>Replace</mode>\n        <name>main</name>\n        <type>Region</type>\n    </flexiPageRegions>\n' +
        '    <masterLabel>Project</masterLabel>\n    <sobjectType>Project__c</sobjectType>\n' +
        '    <template><name>flexipage:recordHomeTemplateDesktop</name></template>\n    <type>RecordPage</type>\n</FlexiPage>\n'
    });
    expect(problems.map((p) => [p.file, p.line, p.field])).toEqual([
      [`${DEFAULT}/flexipages/Project_Page.flexipage-meta.xml`, 6, 'hiddenPanel'],
      [`${DEFAULT}/flexipages/Project_Page.flexipage-meta.xml`, 7, 'accountPanel'],
      [`${DEFAULT}/flexipages/Project_Page.flexipage-meta.xml`, 8, 'ghostPanel']
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('isExposed false'),
      expect.stringContaining('targets only Account'),
      expect.stringContaining('not in force-app/main/default/lwc')
    ]);
  });

  it('rejects a master-detail child whose sharing model is not ControlledByParent', async () => {
    const problems = await check(customObject('Task_Item__c', { sharingModel: 'ReadWrite' }));
    expect(problems).toEqual([
      expect.objectContaining({
        file: `${OBJ}/Task_Item__c/Task_Item__c.object-meta.xml`,
        message: expect.stringContaining('the org requires ControlledByParent')
      })
    ]);
  });

  it('rejects a custom metadata record naming a field its type lacks', async () => {
    const problems = await check({
      [`${DEFAULT}/customMetadata/Setting.Default.md-meta.xml`]:
        '<?xml version="1.0" encoding="UTF-8"?>\n<CustomMetadata xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <label>Default</label>\n    <values>\n        <field>Colour__c</field>\n        <value>x</value>\n    </values>\n' +
        '</CustomMetadata>\n'
    });
    expect(problems).toEqual([
      expect.objectContaining({
        file: `${DEFAULT}/customMetadata/Setting.Default.md-meta.xml`,
        line: 5,
        field: 'Setting__mdt.Colour__c'
      })
    ]);
  });

  it('reports what source-deploy-retrieve cannot resolve, naming the file', async () => {
    const problems = await check({ [`${DEFAULT}/widgets/Spinner.widget-meta.xml`]: '<Widget/>\n' });
    expect(problems).toEqual([
      expect.objectContaining({
        file: `${DEFAULT}/widgets/Spinner.widget-meta.xml`,
        message: expect.stringContaining('Could not infer a metadata type')
      })
    ]);
  });
});
