/** Ctrl-C during a command says what state it leaves (issue 12, item 12), instead of ending without a word. */
import { installInterruptNotice } from '../main';

function fakeProcess() {
  const handlers = new Map<string, () => void>();
  const written: string[] = [];
  const exits: number[] = [];
  return {
    handlers,
    written,
    exits,
    io: {
      stderr: { write: (s: string) => written.push(s) },
      exit: (code: number) => void exits.push(code),
      on: (signal: NodeJS.Signals, fn: () => void) => handlers.set(signal, fn)
    }
  };
}

describe('installInterruptNotice', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143]
  ])('on %s names the command, says what stays and what to do, and exits %i', (signal, code) => {
    const p = fakeProcess();
    installInterruptNotice('usage sync', p.io);
    expect(p.written).toEqual([]);
    p.handlers.get(signal)!();
    expect(p.written.join('')).toMatch(
      new RegExp(`interrupted \\(${signal}\\): gtm usage sync stopped before it finished\\. What it wrote before stays`)
    );
    expect(p.written.join('')).toMatch(/run the same command again to finish/);
    expect(p.exits).toEqual([code]);
  });
});
