import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from './errors';

/** The repository root (where package.json and sfdx-project.json live). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * The project a command works in, for its local data (the store, the export cache): the nearest folder from `cwd`
 * up that has an sfdx-project.json, as the sf CLI finds its project; outside any project, gtm's own folder. Run
 * from a project, gtm keeps that project's data there, not in the folder npm installed it to.
 */
export function workingProjectRoot(cwd: string = process.cwd()): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'sfdx-project.json'))) return dir;
    if (path.dirname(dir) === dir) return REPO_ROOT;
  }
}

/** Paths inside an SFDX project, so tests can point every check at a temporary copy. */
export function projectPaths(projectDir: string = REPO_ROOT) {
  const root = path.resolve(projectDir);
  return {
    root,
    forceApp: path.join(root, 'force-app'),
    metadata: path.join(root, 'force-app', 'main', 'default'),
    objects: path.join(root, 'force-app', 'main', 'default', 'objects'),
    customMetadata: path.join(root, 'force-app', 'main', 'default', 'customMetadata'),
    data: path.join(root, 'data'),
    policyFile: path.join(root, 'policy', 'gtm-policy.json'),
    scripts: path.join(root, 'scripts'),
    sfdxProject: path.join(root, 'sfdx-project.json')
  };
}

/** A path for messages: relative to the project when inside it. */
export function displayPath(file: string, projectDir: string = REPO_ROOT): string {
  const rel = path.relative(projectDir, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}

/** The project directory a command works on; an InputError when it is not an SFDX project. */
export function requireProject(projectDir: string = REPO_ROOT): string {
  const root = path.resolve(projectDir);
  if (!fs.existsSync(path.join(root, 'sfdx-project.json'))) {
    throw new InputError(`${root} is not an SFDX project (no sfdx-project.json there)`);
  }
  return root;
}
