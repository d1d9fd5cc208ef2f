/** `gtm policy show`: every value with its source in lines a terminal can hold; --json keeps the texts whole. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { clip } from '../../commands/policy';

jest.setTimeout(60_000);

const show = (...args: string[]) => showWith({}, ...args);
const showWith = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gtm.js'), 'policy', 'show', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '', ...env }
  });
const longest = (text: string) =>
  Math.max(
    ...text
      .trimEnd()
      .split('\n')
      .map((l) => l.length)
  );
/** the source cell of a key's row: what follows the experiment column */
const sourceOf = (out: string, key: string) => {
  const lines = out.split('\n');
  const start = lines.find((l) => l.startsWith('key '))!.indexOf('source');
  return lines.find((l) => l.startsWith(`${key} `))!.slice(start);
};

const file = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'policy', 'gtm-policy.json'), 'utf8')) as {
  policies: Record<string, { value: string; source: string }>;
};

describe('gtm policy show', () => {
  it('has a source column, one row per key, fitted to 160 characters when no terminal says its width', () => {
    const r = show();
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[2]).toMatch(/^key\s+value\s+category\s+experiment\s+source$/);
    for (const key of Object.keys(file.policies)) {
      const source = sourceOf(r.stdout, key);
      const whole = clip(file.policies[key]!.source, 1000);
      // whole, or cut with an ellipsis after a prefix of the source
      if (source !== whole) expect(source.endsWith('…') && whole.startsWith(source.slice(0, -1))).toBe(true);
    }
    expect(longest(r.stdout)).toBe(160);
  });

  // before: sources were cut at 50 characters whatever the terminal, and a narrow one wrapped every line
  it('fits --width, then $COLUMNS, and uses the room: wider output cuts fewer sources', () => {
    const narrow = show('--width', '100');
    expect(narrow.status).toBe(0);
    expect(longest(narrow.stdout)).toBeLessThanOrEqual(100);
    expect(longest(showWith({ COLUMNS: '120' }).stdout)).toBeLessThanOrEqual(120);
    const wide = show('--width', '400');
    expect(longest(wide.stdout)).toBeGreaterThan(160);
    const cut = (out: string) => Object.keys(file.policies).filter((k) => sourceOf(out, k).endsWith('…')).length;
    expect(cut(wide.stdout)).toBeLessThan(cut(show().stdout));
    expect(cut(show().stdout)).toBeLessThan(cut(narrow.stdout));
  });

  it('refuses a --width too narrow for the table as a usage error (exit 2)', () => {
    const r = show('--width', '60');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--width "60" must be a whole number of at least 100/);
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
