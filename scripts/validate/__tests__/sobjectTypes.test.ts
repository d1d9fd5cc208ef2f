/**
 * The standard-SObject reader: a class file's public instance fields (constant pool + fields table), their
 * reading as fields / lookups / child relationships, and the real jar read once per content into a cache.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classFields, loadSObjectCatalog, memberOf, sobjectTypesJar } from '../tools/sobjectTypes';

const u2 = (n: number) => Buffer.from([n >> 8, n & 0xff]);

/** A class file with the given constant pool entries (already encoded) and fields. */
function classFile(pool: Buffer[], poolCount: number, fields: Buffer[]): Buffer {
  return Buffer.concat([
    Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 61]),
    u2(poolCount),
    ...pool,
    u2(0x21), // access flags
    u2(2), // this_class
    u2(0), // super_class
    u2(0), // interfaces
    u2(fields.length),
    ...fields,
    u2(0), // methods
    u2(0) // attributes
  ]);
}
const utf8 = (s: string) => Buffer.concat([Buffer.from([1, 0, s.length]), Buffer.from(s, 'ascii')]);
const fieldInfo = (flags: number, name: number, desc: number, attrs: Buffer[] = []) =>
  Buffer.concat([u2(flags), u2(name), u2(desc), u2(attrs.length), ...attrs]);

describe('sobject-types reader', () => {
  it('reads public instance fields past every constant kind, skipping statics, privates and attributes', () => {
    const pool = [
      utf8('com/nawforce/runforce/SObjects/Demo'), // #1
      Buffer.from([7, 0, 1]), // #2 Class -> #1
      Buffer.from([5, 0, 0, 0, 0, 0, 0, 0, 7]), // #3 Long: takes #3 and #4
      utf8('Name'), // #5
      utf8('Lcom/nawforce/runforce/System/String;'), // #6
      utf8('Fields'), // #7
      utf8('Contacts'), // #8
      utf8('[Lcom/nawforce/runforce/SObjects/Contact;'), // #9
      Buffer.from([12, 0, 5, 0, 6]), // #10 NameAndType
      utf8('Signature'), // #11
      utf8('Hidden') // #12
    ];
    const attr = Buffer.concat([u2(11), Buffer.from([0, 0, 0, 2]), u2(6)]);
    const cls = classFile(pool, 13, [
      fieldInfo(0x0001, 5, 6, [attr]), // public Name
      fieldInfo(0x0009, 7, 6), // public static Fields
      fieldInfo(0x0002, 12, 6), // private Hidden
      fieldInfo(0x0001, 8, 9) // public Contacts[]
    ]);
    expect(classFields(cls)).toEqual([
      { name: 'Name', descriptor: 'Lcom/nawforce/runforce/System/String;' },
      { name: 'Contacts', descriptor: '[Lcom/nawforce/runforce/SObjects/Contact;' }
    ]);
    expect(() => classFields(Buffer.from('not a class'))).toThrow('not a Java class file');
    expect(() => classFields(classFile([Buffer.from([99])], 2, []))).toThrow('unknown constant-pool tag 99');
  });

  it('reads a field descriptor as a field, a lookup to its parent or a child relationship', () => {
    expect(memberOf('Name', 'Lcom/nawforce/runforce/System/String;')).toEqual({ name: 'Name', kind: 'field' });
    expect(memberOf('Owner', 'Lcom/nawforce/runforce/SObjects/User;')).toEqual({
      name: 'Owner',
      kind: 'parent',
      target: 'User'
    });
    expect(memberOf('Contacts', '[Lcom/nawforce/runforce/SObjects/Contact;')).toEqual({
      name: 'Contacts',
      kind: 'children',
      target: 'Contact'
    });
    expect(memberOf('Tags', '[Lcom/nawforce/runforce/System/String;')).toEqual({ name: 'Tags', kind: 'field' });
  });

  it('reads the real jar once per content: standard fields, lookups and child relationships', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-sobjects-'));
    try {
      const catalog = await loadSObjectCatalog(sobjectTypesJar(), cache);
      expect(Object.keys(catalog).length).toBeGreaterThan(1000);
      const account = new Map(catalog.Account!.map((m) => [m.name, m]));
      expect(account.get('Name')).toEqual({ name: 'Name', kind: 'field' });
      expect(account.get('Owner')).toEqual({ name: 'Owner', kind: 'parent', target: 'User' });
      expect(account.get('Opportunities')).toEqual({ name: 'Opportunities', kind: 'children', target: 'Opportunity' });
      expect(account.has('SObjectType')).toBe(false); // static
      expect(catalog.Task!.find((m) => m.name === 'What')).toEqual({ name: 'What', kind: 'parent', target: 'Name' });

      // the second load reads the cache file (keyed by the jar's content), not the jar
      const files = fs.readdirSync(cache);
      expect(files).toEqual([expect.stringMatching(/^sobject-types-[0-9a-f]{16}\.json$/)]);
      fs.writeFileSync(path.join(cache, files[0]!), JSON.stringify({ Marker: [] }));
      expect(await loadSObjectCatalog(sobjectTypesJar(), cache)).toEqual({ Marker: [] });
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
