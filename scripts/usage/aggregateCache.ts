/**
 * A re-run on the same export should not parse it again: the aggregate of an export is a pure function of
 * its bytes, so it is cached under a fingerprint of the file (size, modification time, inode, and a hash of
 * its first and last megabyte). Editing a file changes its modification time; a deliberately back-dated
 * edit of the same size is the one change this does not see (`--no-cache` then).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../lib/paths';
import type { AggregateResult } from './aggregate';

/** Bump when the rules or the result shape change, so old cache entries are ignored. */
const ENGINE_VERSION = '2';
const EDGE_BYTES = 1 << 20;
export const DEFAULT_CACHE_DIR = path.join(REPO_ROOT, '.gtm', 'cache', 'usage');

export function fingerprint(file: string): string {
  const st = fs.statSync(file);
  const h = createHash('sha256').update(`${ENGINE_VERSION}|${path.resolve(file)}|${st.size}|${st.mtimeMs}|${st.ino}|`);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(EDGE_BYTES, st.size));
    fs.readSync(fd, buf, 0, buf.length, 0);
    h.update(buf);
    fs.readSync(fd, buf, 0, buf.length, Math.max(0, st.size - buf.length));
    h.update(buf);
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Compact on disk: weeks as arrays. */
interface CacheFile {
  result: Omit<AggregateResult, 'weeks'>;
  weeks: [string, number, number, number, number, number][];
}

export function readCached(dir: string, key: string): AggregateResult | undefined {
  const file = path.join(dir, `${key}.json`);
  if (!fs.existsSync(file)) return undefined;
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheFile;
    return {
      ...c.result,
      weeks: c.weeks.map(([accountKey, weekIndex, ticketsTotal, aiResolved, humanResolved, unresolved]) => ({
        accountKey,
        weekIndex,
        ticketsTotal,
        aiResolved,
        humanResolved,
        unresolved
      }))
    };
  } catch {
    return undefined; // a damaged cache entry is just a miss
  }
}

export function writeCached(dir: string, key: string, r: AggregateResult): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const { weeks, ...result } = r;
    const body: CacheFile = {
      result,
      weeks: weeks.map((w) => [w.accountKey, w.weekIndex, w.ticketsTotal, w.aiResolved, w.humanResolved, w.unresolved])
    };
    const tmp = path.join(dir, `.${key}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(body));
    fs.renameSync(tmp, path.join(dir, `${key}.json`));
  } catch {
    // the cache only saves time; failing to write it must not fail the sync
  }
}
