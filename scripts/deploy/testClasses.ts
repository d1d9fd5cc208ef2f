/**
 * The project's own Apex test classes, for `RunSpecifiedTests`: top-level classes annotated `@IsTest` (any case,
 * with or without arguments) that declare at least one test method (`@IsTest` or `testMethod`). A class-level
 * `@IsTest` class without test methods is a test-data factory, not a test to run. Read from the Apex lexer's tokens
 * (comments and strings cannot fool it), which is a fraction of the cost of a full parse.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApexLexer, ApexParserFactory } from '@apexdevtools/apex-parser';
import type { ComponentSet } from '@salesforce/source-deploy-retrieve';

const SKIPPED = new Set([ApexLexer.WS, ApexLexer.COMMENT, ApexLexer.LINE_COMMENT, ApexLexer.DOC_COMMENT]);
const TYPE_KEYWORDS = new Set([ApexLexer.CLASS, ApexLexer.INTERFACE, ApexLexer.ENUM]);

/** The class name when this source is a test class with test methods, else undefined. */
export function apexTestClassName(source: string): string | undefined {
  const tokens = ApexParserFactory.createLexer(source)
    .getAllTokens()
    .filter((t) => !SKIPPED.has(t.type));
  const isTestAnnotation = (i: number) =>
    tokens[i]?.type === ApexLexer.ATSIGN && tokens[i + 1]?.text.toLowerCase() === 'istest';
  const declaration = tokens.findIndex((t) => TYPE_KEYWORDS.has(t.type));
  if (declaration < 0 || tokens[declaration]?.type !== ApexLexer.CLASS) return undefined;
  let annotated = false;
  for (let i = 0; i < declaration; i++) annotated ||= isTestAnnotation(i);
  if (!annotated) return undefined;
  for (let i = declaration + 1; i < tokens.length; i++) {
    if (isTestAnnotation(i) || tokens[i]?.type === ApexLexer.TESTMETHOD) return tokens[declaration + 1]?.text;
  }
  return undefined;
}

/** The test classes among the ApexClass components of a deploy, by name, sorted. */
export function apexTestClasses(componentSet: ComponentSet): string[] {
  const names: string[] = [];
  for (const c of componentSet.getSourceComponents().toArray()) {
    if (c.type.name !== 'ApexClass' || !c.content) continue;
    if (apexTestClassName(fs.readFileSync(c.content, 'utf8'))) names.push(path.basename(c.content, '.cls'));
  }
  return names.sort();
}
