/**
 * Values as the panels write them (c/gtmFormat), for text the server composes: blocker words, request messages,
 * the record headers. Dates in the user's locale ("Mar 4, 2027"), ratios as percentages cut to one decimal.
 */
const DATE_FORMAT = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC'
});

/** "2027-03-04" -> "Mar 4, 2027" (c/gtmFormat formatDate). */
export const dateText = (iso: string): string => DATE_FORMAT.format(new Date(`${iso}T00:00:00Z`));

/** A ratio as c/gtmFormat's formatPercent writes it: at most one decimal, cut (0.7999 -> 79.9%). */
export const percentText = (ratio: number): string => `${Math.floor(ratio * 1000 + 1e-6) / 10}%`;
