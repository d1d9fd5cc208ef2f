import * as fs from 'node:fs';
import * as path from 'node:path';
import { toCsvLine } from '../usage/csvRecords';
import { describeFsError, InputError } from './errors';
import { makeDirs } from './writableDir';

/** An export file's content: CSV rows (the first the header), or an object written as JSON. */
export type ExportContent = readonly (readonly string[])[] | object;

/**
 * Writes the files of an --export folder (making it and what is missing above it): CSV rows as RFC 4180 lines,
 * anything else as indented JSON. Each file goes through a temporary name, so a reader never sees half a file.
 */
export function writeExportFiles(dir: string, files: Record<string, ExportContent>): void {
  try {
    makeDirs(dir);
    for (const [name, content] of Object.entries(files)) {
      const text = Array.isArray(content)
        ? (content as readonly (readonly string[])[]).map((row) => toCsvLine(row)).join('\n') + '\n'
        : `${JSON.stringify(content, null, 2)}\n`;
      const tmp = path.join(dir, `.${name}.tmp`);
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, path.join(dir, name));
    }
  } catch (err) {
    throw new InputError(`cannot write the export to ${dir}: ${describeFsError(err)}`);
  }
}
