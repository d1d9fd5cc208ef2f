import type { Command } from 'commander';
import { UsageError } from '../lib/errors';

/**
 * commander gives an option that takes a value the next word even when that word is another option: `--store
 * --dry-run` made a store file named "--dry-run" and ran for real, `--reason --dry-run` a reviewer's verdict with
 * the reason "--dry-run". A value that is one of the command's own options, or any word starting with "--", is
 * refused as a usage error (main runs it before every command's action).
 */
export function refuseOptionAsValue(command: Command): void {
  const names = new Set(command.options.flatMap((o) => [o.long, o.short]).filter((n): n is string => Boolean(n)));
  for (const option of command.options) {
    const value: unknown = command.getOptionValue(option.attributeName());
    if (typeof value !== 'string' || !(names.has(value) || value.startsWith('--'))) continue;
    const flag = option.long ?? option.short ?? option.flags;
    throw new UsageError(`${flag} needs a value, but the next word is the option ${value}`, {
      details: [`give ${flag} its value right after it (a file whose name starts with "-" can be written ./${value})`]
    });
  }
}
