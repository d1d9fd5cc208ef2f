/** The README's command table lists every option each command takes: the table is where a new user looks. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT } from '../../lib/paths';
import { buildProgram } from '../main';

function leaves(cmd: Command, prefix: string[] = []): { name: string; cmd: Command }[] {
  return cmd.commands.flatMap((c) => {
    const name = [...prefix, c.name()];
    return c.commands.length ? leaves(c, name) : [{ name: name.join(' '), cmd: c }];
  });
}

describe('README command table', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').split('\n');
  const commands = leaves(buildProgram());

  it('has a row for every command, naming each of its options', () => {
    expect(commands.length).toBeGreaterThan(5);
    for (const { name, cmd } of commands) {
      const row = readme.find((l) => l.startsWith(`| \`npx gtm ${name} `) || l.startsWith(`| \`npx gtm ${name}\``));
      expect({ name, row: row !== undefined }).toEqual({ name, row: true });
      const missing = cmd.options.map((o) => o.long!).filter((flag) => !row!.includes(flag));
      expect({ name, missing }).toEqual({ name, missing: [] });
    }
  });
});
