import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeExportFiles } from '../exportFiles';

describe('writeExportFiles', () => {
  it('writes CSV rows as RFC 4180 lines and objects as JSON, into folders it makes, leaving no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-export-'));
    try {
      const out = path.join(dir, 'a', 'b');
      writeExportFiles(out, {
        'rejects.csv': [
          ['line', 'reason', 'raw'],
          ['2', 'a "quoted", reason', 'x\ny']
        ],
        'summary.json': { rows: 2 }
      });
      expect(fs.readFileSync(path.join(out, 'rejects.csv'), 'utf8')).toBe(
        'line,reason,raw\n2,"a ""quoted"", reason","x\ny"\n'
      );
      expect(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'))).toEqual({ rows: 2 });
      expect(fs.readdirSync(out).sort()).toEqual(['rejects.csv', 'summary.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the folder when it cannot write there', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-export-'));
    try {
      const file = path.join(dir, 'plain-file');
      fs.writeFileSync(file, '');
      expect(() => writeExportFiles(path.join(file, 'out'), { 'summary.json': {} })).toThrow(
        `cannot write the export to ${path.join(file, 'out')}`
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
