import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, workingProjectRoot } from '../paths';

describe('workingProjectRoot', () => {
  let dir: string;
  beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-paths-')))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is the nearest folder up with an sfdx-project.json, so a project keeps its own store', () => {
    fs.writeFileSync(path.join(dir, 'sfdx-project.json'), '{}');
    const deep = path.join(dir, 'exports', '2026');
    fs.mkdirSync(deep, { recursive: true });
    expect(workingProjectRoot(deep)).toBe(dir);
    expect(workingProjectRoot(dir)).toBe(dir);
  });

  it("is gtm's own folder outside any project", () => {
    expect(workingProjectRoot(dir)).toBe(REPO_ROOT);
    expect(workingProjectRoot(path.join(REPO_ROOT, 'scripts', 'lib'))).toBe(REPO_ROOT);
  });
});
