/**
 * Private members used from another class: the one compile error apex-ls does not report. In Apex a member with
 * no access modifier is private; a private member (of a class or of any class nested in it) can be used anywhere
 * inside the same top-level class, and a `@TestVisible` one also from test classes; nowhere else.
 *
 * Declarations come from the parse tree; uses are found on the lexer's tokens, as `Class.member` (static, or an
 * inner class `Outer.Inner.member`) and `variable.member` where the variable is declared in the same file with a
 * project class as its type. Like the field-reference check it errs on the side of silence: a name declared with
 * two types in one file, a variable named like a class, or an overloaded method with any accessible overload is
 * not judged.
 */
import {
  ApexErrorListener,
  ApexLexer,
  ApexParserFactory,
  type ClassBodyDeclarationContext,
  type ClassDeclarationContext,
  type ModifierContext
} from '@apexdevtools/apex-parser';
import type { Problem } from '../../lib/errors';
import { lex, type ApexTok } from './apex';

export interface ApexSource {
  /** path for the Problem, relative to the project */
  file: string;
  text: string;
}

interface Member {
  /** `Outer` or `Outer.Inner`, as declared */
  owner: string;
  name: string;
  accessible: 'public' | 'private';
  testVisible: boolean;
}

interface ClassInfo {
  /** top-level class, lower case: every class nested in it shares its private members */
  topLevel: string;
  /** the top-level class as declared, for messages */
  topLevelName: string;
  isTest: boolean;
  /** member name (lower case) -> declarations (overloads) */
  members: Map<string, Member[]>;
}

type Tok = ApexTok;

const annotationNames = (mods: ModifierContext[]) =>
  mods.map((m) => m.annotation()?.id()?.getText().toLowerCase()).filter((n): n is string => !!n);

/** Syntax errors are apex-syntax's job: the declarations of a broken file are simply fewer. */
class SilentListener extends ApexErrorListener {
  apexSyntaxError(): void {}
}

function access(mods: ModifierContext[]): 'public' | 'private' {
  return mods.some((m) => m.PUBLIC() || m.GLOBAL() || m.PROTECTED()) ? 'public' : 'private';
}

/** Every class (top-level and nested) of one source, keyed by its dotted name in lower case. */
function declaredClasses(text: string): Map<string, ClassInfo> {
  const out = new Map<string, ClassInfo>();
  const { parser } = ApexParserFactory.createLexerAndParser(text, new SilentListener());
  const type = parser.compilationUnit().typeDeclaration();
  const top = type?.classDeclaration();
  if (!top) return out;
  const isTest = annotationNames(type.modifier_list()).includes('istest');
  const topName = top.id().getText();

  const visit = (cls: ClassDeclarationContext, dotted: string) => {
    const info: ClassInfo = { topLevel: topName.toLowerCase(), topLevelName: topName, isTest, members: new Map() };
    out.set(dotted.toLowerCase(), info);
    const add = (name: string, decl: ClassBodyDeclarationContext) => {
      const mods = decl.modifier_list();
      const member: Member = {
        owner: dotted,
        name,
        accessible: access(mods),
        testVisible: annotationNames(mods).includes('testvisible')
      };
      const key = name.toLowerCase();
      info.members.set(key, [...(info.members.get(key) ?? []), member]);
    };
    for (const decl of cls.classBody().classBodyDeclaration_list()) {
      const m = decl.memberDeclaration();
      if (!m) continue;
      const method = m.methodDeclaration();
      const field = m.fieldDeclaration();
      const property = m.propertyDeclaration();
      const inner = m.classDeclaration();
      if (method) add(method.id().getText(), decl);
      else if (property) add(property.id().getText(), decl);
      else if (field) {
        for (const v of field.variableDeclarators().variableDeclarator_list()) add(v.id().getText(), decl);
      } else if (inner) {
        add(inner.id().getText(), decl);
        visit(inner, `${dotted}.${inner.id().getText()}`);
      }
    }
  };
  visit(top, topName);
  return out;
}

const isId = (t: Tok | undefined): t is Tok => t?.type === ApexLexer.Identifier;
const isDot = (t: Tok | undefined) => t?.type === ApexLexer.DOT;
const DECLARATION_END = new Set([ApexLexer.ASSIGN, ApexLexer.SEMI, ApexLexer.COMMA, ApexLexer.RPAREN, ApexLexer.COLON]);

/** A dotted type name starting at i (`A`, `A.B`), with the index after it. */
function typeNameAt(toks: Tok[], i: number): { name: string; next: number } | undefined {
  if (!isId(toks[i]) || isDot(toks[i - 1])) return undefined;
  let name = toks[i]!.text;
  let j = i + 1;
  while (isDot(toks[j]) && isId(toks[j + 1])) {
    name += `.${toks[j + 1]!.text}`;
    j += 2;
  }
  return { name, next: j };
}

/**
 * Variables declared with a project class as their type. Every declaration counts, whatever its type (a generic
 * `List<X> v` or `X[] v` as an unknown one), so a name declared with two types anywhere in the file is null.
 */
function variableTypes(toks: Tok[], classes: Map<string, ClassInfo>): Map<string, string | null> {
  const vars = new Map<string, string | null>();
  for (let i = 1; i < toks.length; i++) {
    const name = toks[i]!;
    if (!isId(name) || !DECLARATION_END.has(toks[i + 1]?.type ?? -1)) continue;
    const before = toks[i - 1]!;
    let type: string;
    if (before.type === ApexLexer.GT || before.type === ApexLexer.RBRACK) type = '?';
    else if (isId(before)) {
      let j = i - 1;
      while (isDot(toks[j - 1]) && isId(toks[j - 2])) j -= 2;
      type = toks
        .slice(j, i)
        .map((t) => t.text)
        .join('')
        .toLowerCase();
    } else continue;
    const key = name.text.toLowerCase();
    const known = classes.has(type) ? type : '?';
    vars.set(key, vars.has(key) && vars.get(key) !== known ? null : known);
  }
  for (const [k, v] of vars) if (v === '?') vars.set(k, null);
  return vars;
}

/** Uses of another top-level class's private members, one Problem each. */
export function privateMemberUses(sources: ApexSource[]): Problem[] {
  const classes = new Map<string, ClassInfo>();
  const declared = sources.map((s) => declaredClasses(s.text));
  for (const d of declared) for (const [k, v] of d) classes.set(k, v);

  const problems: Problem[] = [];
  sources.forEach((source, n) => {
    const own = [...declared[n]!.values()][0];
    const here = own?.topLevel;
    const inTest = own?.isTest ?? false;
    const toks = lex(source.text);
    const vars = variableTypes(toks, classes);

    const judge = (owner: ClassInfo, memberTok: Tok) => {
      if (owner.topLevel === here) return;
      const decls = owner.members.get(memberTok.text.toLowerCase());
      if (!decls || decls.some((d) => d.accessible === 'public' || (d.testVisible && inTest))) return;
      const d = decls[0]!;
      problems.push({
        file: source.file,
        line: memberTok.line,
        column: memberTok.column,
        message: `${d.owner}.${d.name} is private${d.testVisible ? ' (@TestVisible: test classes only)' : ''} and cannot be used from ${own?.topLevelName ?? 'this file'}`
      });
    };

    for (let i = 0; i < toks.length; i++) {
      const t = typeNameAt(toks, i);
      if (!t) continue;
      const parts = t.name.split('.');
      const head = parts[0]!.toLowerCase();
      if (vars.has(head)) {
        // variable.member: judged only when the variable's type is certain and it does not shadow a class
        const type = vars.get(head);
        if (type && parts.length > 1 && !classes.has(head)) {
          const owner = classes.get(type)!;
          judge(owner, toks[i + 2]!);
        }
        i = t.next - 1;
        continue;
      }
      // Class.member, Outer.Inner.member: each prefix that names a class owns the segment after it
      for (let k = 1; k < parts.length; k++) {
        const owner = classes.get(parts.slice(0, k).join('.').toLowerCase());
        if (owner) judge(owner, toks[i + 2 * k]!);
      }
      i = t.next - 1;
    }
  });
  return problems;
}
