/**
 * Builds ticket exports for tests from a week-by-week plan: for each account and week, how many tickets and
 * how many of them the AI resolved. Rows are deterministic, so tests can assert exact counts.
 */
import { weekStartMs } from '../usage/isoWeek';

export interface WeekPlan {
  account: string;
  weekIndex: number;
  total: number;
  ai: number;
  /** of the rest, how many are unresolved (default 0: all human) */
  unresolved?: number;
}

export const HEADER = 'ticket_id,account_id,created_at,resolved_at,resolution,channel';

export function ticketRows(plans: WeekPlan[], idPrefix = 't'): string[] {
  const rows: string[] = [];
  let n = 0;
  for (const p of plans) {
    const monday = weekStartMs(p.weekIndex);
    for (let i = 0; i < p.total; i++) {
      const created = new Date(monday + 3_600_000 + i * 60_000);
      const unresolved = i >= p.ai && i < p.ai + (p.unresolved ?? 0);
      const resolution = i < p.ai ? 'ai' : unresolved ? 'unresolved' : 'human';
      const resolved = unresolved ? '' : new Date(created.getTime() + 1_800_000).toISOString();
      rows.push(`${idPrefix}${n++},${p.account},${created.toISOString()},${resolved},${resolution},email`);
    }
  }
  return rows;
}

export function ticketCsv(plans: WeekPlan[], idPrefix?: string): string {
  return `${HEADER}\n${ticketRows(plans, idPrefix).join('\n')}\n`;
}
