/** `gtm workbench`'s failures before any slow step: each one clear `error:` line, no stack trace. */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../cli/main';
import { parsePort } from '../../commands/workbench';

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  try {
    const code = await main(['node', 'gtm', 'workbench', '--no-open', ...args]);
    return { code, stderr: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('gtm workbench', () => {
  it('checks --port', async () => {
    expect(parsePort(undefined)).toBe(4777);
    expect(parsePort('8080')).toBe(8080);
    const r = await run(['--port', 'abc']);
    expect(r.code).toBe(2); // a usage error
    expect(r.stderr).toBe('error: --port "abc" must be a port number (1-65535, or 0 for any free port)\n');
  });

  it('names a port in use and --port', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const r = await run(['--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`error: port ${port} is in use; pass --port\n`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('will not replace a store that is not a workbench sample world without --fresh', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-wb-cmd-'));
    const store = path.join(dir, 'mine.duckdb');
    fs.writeFileSync(store, 'not a world');
    try {
      const r = await run(['--port', '0', '--store', store]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('is not a workbench sample world');
      expect(r.stderr).toContain('pass --fresh to replace it, or --store with another file');
      expect(fs.readFileSync(store, 'utf8')).toBe('not a world');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
