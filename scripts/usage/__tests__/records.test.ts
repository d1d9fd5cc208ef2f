import { loadSchema } from '../../metadata/schema';
import {
  roundShare,
  SNAPSHOT_FIELDS,
  SNAPSHOT_OBJECT,
  snapshotRow,
  TRIGGER_FIELDS,
  TRIGGER_OBJECT,
  TRIGGER_SYNC_OWNED
} from '../records';

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

describe('snapshot rows', () => {
  it('round the share exactly as roundShare does, ties included', () => {
    const week = { accountKey: 'a', weekIndex: 2900, humanResolved: 0, unresolved: 0 };
    for (let total = 1; total <= 1000; total++)
      for (let ai = 0; ai <= total; ai++) {
        const share = snapshotRow({ ...week, ticketsTotal: total, aiResolved: ai })[SNAPSHOT_FIELDS.share];
        if (!Object.is(share, roundShare(ai, total)))
          throw new Error(`${ai}/${total}: ${share} <> ${roundShare(ai, total)}`);
      }
    for (const [ai, total] of [
      [1, 128],
      [1, 3200],
      [1, 3_200_000],
      [12_345_678, 98_765_432]
    ] as const)
      expect(snapshotRow({ ...week, ticketsTotal: total, aiResolved: ai })[SNAPSHOT_FIELDS.share]).toBe(
        roundShare(ai, total)
      );
  });
});
