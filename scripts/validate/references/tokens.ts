/**
 * The small token model the reference analysis works on. Apex tokens come from the Apex lexer; string literals
 * (Apex, JavaScript, TypeScript) and templates are split here. Positions are 1-based so they go straight into
 * a Problem.
 */
export interface Tok {
  text: string;
  line: number;
  column: number;
}

/** A reference that does not resolve: where, which name, and why. */
export interface Ref {
  line: number;
  column: number;
  /** The missing name as written, qualified when the object is known (`Obj__c.Field__c`). */
  name: string;
  message: string;
}

export const isWord = (t: Tok | undefined): t is Tok => t !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.text);

/** Offset -> 1-based line/column for one text, with the line starts computed once. */
export function makeLocator(source: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

/** Words, numbers and single punctuation characters of a text, positioned in the file it came from. */
export function tokenizeText(
  content: string,
  startOffset: number,
  locate: (offset: number) => { line: number; column: number }
): Tok[] {
  const toks: Tok[] = [];
  const re = /[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\S/g;
  for (let m = re.exec(content); m; m = re.exec(content)) {
    toks.push({ text: m[0], ...locate(startOffset + m.index) });
  }
  return toks;
}
