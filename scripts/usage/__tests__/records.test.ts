import { loadSchema } from '../../metadata/schema';
import { SNAPSHOT_FIELDS, SNAPSHOT_OBJECT, TRIGGER_FIELDS, TRIGGER_OBJECT, TRIGGER_SYNC_OWNED } from '../records';

const schema = loadSchema();

/** A field name, or a relationship path Lookup__r.ParentField, resolved against force-app. */
function resolves(object: string, name: string): boolean {
  if (name === 'Name') return true;
  const [rel, parentField] = name.split('.');
  if (!parentField) return schema.hasField(object, name);
  const lookup = schema.field(object, rel!.replace(/__r$/, '__c'));
  return ['Lookup', 'MasterDetail'].includes(lookup.type) && schema.field(lookup.referenceTo!, parentField).externalId;
}

describe('usage records name real fields', () => {
  it.each([
    [SNAPSHOT_OBJECT, Object.values(SNAPSHOT_FIELDS)],
    [TRIGGER_OBJECT, Object.values(TRIGGER_FIELDS)]
  ])('%s', (object, fields) => {
    expect(fields.filter((f) => !resolves(object, f))).toEqual([]);
  });

  it("upserts by the objects' unique external IDs", () => {
    expect(schema.field(SNAPSHOT_OBJECT, SNAPSHOT_FIELDS.key)).toMatchObject({ externalId: true, unique: true });
    expect(schema.field(TRIGGER_OBJECT, TRIGGER_FIELDS.key)).toMatchObject({ externalId: true, unique: true });
  });

  it('never lets the sync overwrite the status a person set', () => {
    expect(TRIGGER_SYNC_OWNED).not.toContain(TRIGGER_FIELDS.status);
    expect(schema.field(TRIGGER_OBJECT, TRIGGER_FIELDS.status).picklistValues).toEqual(
      expect.arrayContaining(['Shadow', 'Open'])
    );
  });
});
