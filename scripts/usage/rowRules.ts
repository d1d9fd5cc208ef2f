/**
 * One ticket row of the export, checked against the exact rules of exp-005's input. Pure: fields in, a valid
 * row or the reason it is rejected out.
 */
import { parseInstant } from './instant';

export const REQUIRED_COLUMNS = ['ticket_id', 'account_id', 'created_at', 'resolved_at', 'resolution'] as const;
export const OPTIONAL_COLUMNS = ['channel'] as const;
export type Column = (typeof REQUIRED_COLUMNS)[number];

export const RESOLUTIONS = ['ai', 'human', 'unresolved'] as const;
export type Resolution = 0 | 1 | 2; // index into RESOLUTIONS

export interface ValidRow {
  ticketId: string;
  accountId: string;
  createdNs: bigint;
  resolvedNs: bigint | null;
  resolution: Resolution;
}

export type ColumnIndex = Record<Column, number>;

/** Where each required column is in the header (any order; extra columns ignored); missing ones listed. */
export function indexColumns(header: readonly string[]): { index?: ColumnIndex; missing: string[] } {
  const names = header.map((h) => h.trim().toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length) return { missing };
  const index = Object.fromEntries(REQUIRED_COLUMNS.map((c) => [c, names.indexOf(c)])) as ColumnIndex;
  return { index, missing: [] };
}

/** Trims ASCII whitespace only (space, tab, LF, VT, FF, CR): the same set the DuckDB fast path trims. */
export function trimAscii(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

export function checkRow(fields: readonly string[], col: ColumnIndex): ValidRow | { reason: string } {
  const ticketId = trimAscii(fields[col.ticket_id] ?? '');
  const accountId = trimAscii(fields[col.account_id] ?? '');
  const created = fields[col.created_at] ?? '';
  const resolved = fields[col.resolved_at] ?? '';
  const resolutionText = trimAscii(fields[col.resolution] ?? '').toLowerCase();
  if (ticketId === '') return { reason: 'ticket_id is empty' };
  if (accountId === '') return { reason: 'account_id is empty' };
  if (created === '') return { reason: 'created_at is empty' };
  const createdNs = parseInstant(created);
  if (createdNs === undefined)
    return { reason: `created_at is not a valid ISO 8601 instant: ${JSON.stringify(created)}` };
  let resolvedNs: bigint | null = null;
  if (resolved !== '') {
    const r = parseInstant(resolved);
    if (r === undefined) return { reason: `resolved_at is not a valid ISO 8601 instant: ${JSON.stringify(resolved)}` };
    resolvedNs = r;
  }
  const resolution = RESOLUTIONS.indexOf(resolutionText as (typeof RESOLUTIONS)[number]);
  if (resolution < 0) {
    return {
      reason: `resolution must be ai, human or unresolved, not ${JSON.stringify(fields[col.resolution] ?? '')}`
    };
  }
  if (resolvedNs !== null && resolvedNs < createdNs) return { reason: 'resolved_at is earlier than created_at' };
  return { ticketId, accountId, createdNs, resolvedNs, resolution: resolution as Resolution };
}
