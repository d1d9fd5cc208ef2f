/** `gtm policy show`: every value with its source in lines a terminal can hold; --json keeps the texts whole. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { clip } from '../../commands/policy';

jest.setTimeout(60_000);

const show = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gtm.js'), 'policy', 'show', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8'
  });

const file = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'policy', 'gtm-policy.json'), 'utf8')) as {
  policies: Record<string, { value: string; source: string }>;
};

describe('gtm policy show', () => {
  it('has a source column, one row per key, no line past 160 characters', () => {
    const r = show();
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[2]).toMatch(/^key\s+value\s+category\s+experiment\s+source$/);
    for (const key of Object.keys(file.policies)) {
      const row = lines.find((l) => l.startsWith(`${key} `));
      expect(row).toContain(clip(file.policies[key]!.source, 50));
    }
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(160);
  });

  it('--json keeps every value and source whole', () => {
    const r = show('--json');
    const out = JSON.parse(r.stdout) as { policies: Record<string, { value: string; source: string }> };
    for (const [key, e] of Object.entries(file.policies)) {
      expect(out.policies[key]).toMatchObject({ value: e.value, source: e.source });
    }
  });

  it('clip collapses whitespace and marks a cut with an ellipsis', () => {
    expect(clip('a  b\nc', 10)).toBe('a b c');
    expect(clip('abcdefghij', 5)).toBe('abcd…');
  });
});
