import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Makes `dir` and any missing folders above it, one level at a time, and returns the folders it made (outermost
 * first). Not `fs.mkdirSync(dir, { recursive: true })`: Node's recursive mkdir loops forever where mkdir says
 * ENOENT under a folder that exists (/proc, some FUSE mounts), which hung `gtm usage sync --export /proc/x`.
 * `made` collects the folders as they are made, so a caller can remove them even when a later mkdir fails.
 */
export function makeDirs(dir: string, made: string[] = []): string[] {
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      throw noNewFiles(err, path.dirname(d));
    }
    made.push(d);
  }
  return made;
}

/**
 * ENOENT from making something in a folder that exists means the folder takes nothing new (/proc, /sys): an EROFS
 * error that says so (describeFsError: "a read-only or virtual file system"), not "no such file".
 */
function noNewFiles(err: unknown, parent: string): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !fs.existsSync(parent)) return err;
  return Object.assign(new Error(`EROFS: ${parent} takes no new files (a virtual or read-only file system)`), {
    code: 'EROFS'
  });
}

/**
 * Proves that files can be made in `dir` by making it (and what is missing above it), writing and removing a probe
 * file, then removing the folders it made: what access(W_OK) cannot tell (a read-only or virtual file system, root
 * in /proc or /sys). Throws the file system's error; leaves nothing behind either way.
 */
export function probeWritableDir(dir: string): void {
  const made: string[] = [];
  try {
    makeDirs(dir, made);
    const probe = path.join(dir, `.gtm-write-check.${process.pid}`);
    try {
      fs.writeFileSync(probe, '');
    } catch (err) {
      throw noNewFiles(err, dir);
    }
    fs.rmSync(probe, { force: true });
  } finally {
    for (const d of made.reverse()) fs.rmSync(d, { recursive: true, force: true });
  }
}
