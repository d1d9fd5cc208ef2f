/**
 * Layout checks the panels' browser tests share (issue 13): whether the browser split a word across two lines.
 * A cell that is too narrow for a word breaks it mid-word ("Versio/n") while the card's scrollWidth stays equal to
 * its clientWidth, so the overflow checks alone do not see it.
 */
import type { Locator } from 'playwright-core';

/** The little of the DOM the check uses (the tooling's tsconfig has no DOM types). */
interface Box {
  getBoundingClientRect(): { width: number };
  parentElement: Box | null;
}
interface TextNode {
  textContent: string | null;
  parentElement: Box | null;
}
interface PageDocument {
  createTreeWalker(root: unknown, whatToShow: number): { nextNode(): TextNode | null };
  createRange(): {
    setStart(node: TextNode, offset: number): void;
    setEnd(node: TextNode, offset: number): void;
    getClientRects(): ArrayLike<{ top: number; width: number; height: number }>;
  };
}
/** NodeFilter.SHOW_TEXT */
const SHOW_TEXT = 4;

/**
 * Runs in the page: every word of the elements' text, measured with a Range; a word whose boxes sit on more than one
 * line was split mid-word.
 */
function splitWordsIn(elements: unknown[], showText: number): string[] {
  const doc = (globalThis as unknown as { document: PageDocument }).document;
  const split: string[] = [];
  for (const element of elements) {
    const walker = doc.createTreeWalker(element, showText);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // assistive text and visually hidden headers sit in a 1 px box: they have no line for their words to keep to
      let hidden = false;
      for (let box = node.parentElement; box && !hidden; box = box.parentElement) {
        hidden = box.getBoundingClientRect().width <= 2;
      }
      if (hidden) continue;
      const text = node.textContent ?? '';
      // a line may end after a hyphen ("AI-/resolved"): the parts between spaces and hyphens are the words
      for (const match of text.matchAll(/[^\s-]+/g)) {
        const range = doc.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set(
          Array.from(range.getClientRects())
            .filter((r) => r.width > 0 && r.height > 0)
            .map((r) => Math.round(r.top))
        );
        if (tops.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}

/** The words the browser split across lines in the elements `selector` finds under `root` (none: []). */
export async function splitWords(root: Locator, selector: string): Promise<string[]> {
  return root.locator(selector).evaluateAll(splitWordsIn, SHOW_TEXT);
}
