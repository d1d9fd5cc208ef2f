/**
 * Random ticket exports in every form the rules accept (quoted or not, "" inside, padded and any-case values,
 * every instant form with offsets, values past the header's that are empty), with a share of rows they reject
 * and ticket_ids that repeat: for the line reader's and the engines' agreement tests.
 */
import { csvValue, formatInstant, InstantForm } from '../../bench/exportForms';
import { prng } from '../../lib/prng';

export const FUZZ_HEADER = ['ticket_id', 'account_id', 'created_at', 'resolved_at', 'resolution', 'channel'];

/** a random export in every form the rules accept, with a share of rows they reject */
export function fuzzedExport(seed: number, allQuoted: boolean, eol: string, rowCount = 3000): string {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const pad = (v: string) => (rnd() < 0.1 ? pick([' ', '\t', '  ']) + v + pick(['', ' ', '\t']) : v);
  const caseOf = (v: string) => (rnd() < 0.2 ? v.toUpperCase() : rnd() < 0.1 ? v[0]!.toUpperCase() + v.slice(1) : v);
  const form = (): InstantForm => ({
    separator: pick(['T', ' ']),
    fraction: pick([0, 0, 3, 3, 1, 2, 4, 5, 6, 7, 8, 9]),
    offset: pick(['Z', 'Z', '', 330, -480, -150, 0, 60, 840, -720, 59, -1])
  });
  const spoil = (v: string) =>
    pick([
      v.replace(/Z$|[+-]\d\d:\d\d$|$/, '+24:00'),
      v.replace(/Z$|[+-]\d\d:\d\d$|$/, '+05:60'),
      v.replace(/Z$|[+-]\d\d:\d\d$|$/, '+0530'),
      v.replace(/Z$/, 'z'),
      ` ${v}`,
      v.replace(/:\d\d(?=\D|$)/, ':60'),
      v.replace(/\d{2}$/, '5'),
      `${v.slice(0, 19)}.1234567890`
    ]);
  const rows = [FUZZ_HEADER.map((h) => csvValue(h, allQuoted)).join(',')];
  for (let n = 0; n < rowCount; n++) {
    if (n > 10 && rnd() < 0.02) {
      // a ticket exported again: the same row
      rows.push(rows[1 + Math.floor(rnd() * (rows.length - 1))]!);
      continue;
    }
    const created = Date.UTC(2026, 2, 1) + Math.floor(rnd() * 60 * 86_400_000);
    const subNs = rnd() < 0.3 ? Math.floor(rnd() * 1_000_000) : 0;
    let createdText = formatInstant(created, form(), subNs);
    const resolution = pick(['ai', 'human', 'unresolved']);
    let resolvedText =
      resolution === 'unresolved' && rnd() < 0.7
        ? ''
        : formatInstant(created + Math.floor((rnd() - 0.05) * 7_200_000), form(), subNs);
    if (rnd() < 0.03) createdText = spoil(createdText);
    if (resolvedText && rnd() < 0.03) resolvedText = spoil(resolvedText);
    const ticket = rnd() < 0.01 ? pick(['', '  ']) : pad(pick([`t${n}`, `t${n % 500}`, `t"${n}`, `tï${n}`, `t,${n}`]));
    const account = rnd() < 0.01 ? '' : pad(pick(['a1', 'acct-2', 'b"3', 'ä4', 'c,5', 'a-very-long-account-id-6']));
    const values = [
      ticket,
      account,
      createdText,
      resolvedText,
      rnd() < 0.02 ? pick(['robot', 'a i', 'humans', '']) : pad(caseOf(resolution)),
      pick(['email', 'chat, web', 'say "hi"', ''])
    ];
    if (rnd() < 0.02) values.push(...pick([[''], ['', ''], ['x']]));
    if (rnd() < 0.01) values.splice(2);
    rows.push(values.map((v) => csvValue(v, allQuoted || rnd() < 0.1)).join(','));
  }
  return rows.join(eol) + eol;
}
