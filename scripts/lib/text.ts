/** "1 trigger", "3 triggers": a count with its noun (nouns here take a plain -s). */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
