import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeDirs, probeWritableDir } from '../writableDir';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-writable-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const onLinux = fs.existsSync('/proc/self') ? it : it.skip;

describe('makeDirs', () => {
  it('makes each missing folder and names them outermost first', () => {
    const made = makeDirs(path.join(dir, 'a', 'b', 'c'));
    expect(made).toEqual([path.join(dir, 'a'), path.join(dir, 'a', 'b'), path.join(dir, 'a', 'b', 'c')]);
    expect(fs.statSync(path.join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(makeDirs(path.join(dir, 'a', 'b'))).toEqual([]);
  });

  it('fails on a file in the way', () => {
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const made: string[] = [];
    expect(() => makeDirs(path.join(dir, 'file', 'sub'), made)).toThrow(/ENOTDIR|EEXIST/);
    expect(made).toEqual([]);
  });

  // Node's recursive mkdir loops forever here (mkdir says ENOENT under a folder that exists)
  onLinux('fails at once under /proc instead of looping', () => {
    // named as what it is (before: ENOENT, "no such file", of a folder that exists)
    expect(() => makeDirs('/proc/gtm-no-such/sub')).toThrow(/EROFS: \/proc takes no new files/);
  });
});

describe('probeWritableDir', () => {
  it('leaves nothing behind: neither the probe file nor the folders it made', () => {
    probeWritableDir(path.join(dir, 'x', 'y'));
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.mkdirSync(path.join(dir, 'kept'));
    probeWritableDir(path.join(dir, 'kept'));
    expect(fs.readdirSync(path.join(dir, 'kept'))).toEqual([]);
  });

  onLinux('refuses a virtual file system that access() calls writable', () => {
    expect(() => probeWritableDir('/proc/gtm-export')).toThrow(/EROFS/);
    expect(() => probeWritableDir('/proc')).toThrow(/EROFS: \/proc takes no new files/);
  });
});
