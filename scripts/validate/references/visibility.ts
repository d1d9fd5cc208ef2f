/**
 * Private members used from another class: the one compile error apex-ls does not report. In Apex a member with
 * no access modifier is private; a private member (of a class or of any class nested in it) can be used anywhere
 * inside the same top-level class, and a `@TestVisible` one also from test classes; nowhere else.
 *
 * Declarations come from the parse tree; uses are found on the lexer's tokens, as `Class.member` (static, or an
 * inner class `Outer.Inner.member`), `variable.member` where the variable is declared in the same file with a
 * project class as its type, and a member reached through a call or a field: `new Cls().member`,
 * `Cls.make().member`, `variable.next().member`, `Cls.instance.member`, along the whole chain while the declared
 * type of each step is a project class. Like the field-reference check it errs on the side of silence: a name
 * declared with two types in one file, a variable named like a class, an overloaded method with any accessible
 * overload, or overloads returning different types are not judged.
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
  kind: 'method' | 'value' | 'class';
  /** declared type of a field, property or method result (as written, e.g. `Inner`, `List<X>`); none for void */
  type?: string;
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
    const add = (name: string, decl: ClassBodyDeclarationContext, kind: Member['kind'], type?: string) => {
      const mods = decl.modifier_list();
      const member: Member = {
        owner: dotted,
        name,
        accessible: access(mods),
        testVisible: annotationNames(mods).includes('testvisible'),
        kind,
        type
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
      if (method) add(method.id().getText(), decl, 'method', method.typeRef()?.getText());
      else if (property) add(property.id().getText(), decl, 'value', property.typeRef().getText());
      else if (field) {
        const type = field.typeRef().getText();
        for (const v of field.variableDeclarators().variableDeclarator_list())
          add(v.id().getText(), decl, 'value', type);
      } else if (inner) {
        add(inner.id().getText(), decl, 'class');
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

/**
 * The project class a type name written inside class `context` (dotted, lower case) means: an inner class of
 * the context or of an enclosing class first, then a top-level class. Undefined for anything else (generics,
 * arrays, system types).
 */
function resolveType(type: string, context: string, classes: Map<string, ClassInfo>): string | undefined {
  const t = type.toLowerCase();
  const scope = context.split('.');
  for (let k = scope.length; k > 0; k--) {
    const key = `${scope.slice(0, k).join('.')}.${t}`;
    if (classes.has(key)) return key;
  }
  return classes.has(t) ? t : undefined;
}

/**
 * The class a member of `owner` yields, when certain: a method's result when it is called, else a field's or
 * property's type (an inner class of the same name is neither).
 */
function memberType(owner: string, name: string, called: boolean, classes: Map<string, ClassInfo>): string | undefined {
  const kind = called ? 'method' : 'value';
  const decls = (classes.get(owner)?.members.get(name.toLowerCase()) ?? []).filter((d) => d.kind === kind);
  const types = new Set(decls.map((d) => (d.type ? resolveType(d.type, d.owner.toLowerCase(), classes) : undefined)));
  // overloads that return different types (or one that is not a project class): not certain
  return types.size === 1 ? [...types][0] : undefined;
}

/** Index of the `)` closing the `(` at `open`. */
function closingParen(toks: Tok[], open: number): number {
  let depth = 0;
  for (let i = open; i < toks.length; i++) {
    if (toks[i]!.type === ApexLexer.LPAREN) depth++;
    else if (toks[i]!.type === ApexLexer.RPAREN && --depth === 0) return i;
  }
  return toks.length - 1;
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

    /**
     * Members reached from a value of class `key` at `pos` (`.a.b().c`): each is judged against the class it is
     * looked up on, and the chain goes on while the step's declared type is a project class.
     */
    const follow = (key: string | undefined, pos: number) => {
      let p = pos;
      while (key && isDot(toks[p]) && isId(toks[p + 1])) {
        const member = toks[p + 1]!;
        judge(classes.get(key)!, member);
        p += 2;
        const called = toks[p]?.type === ApexLexer.LPAREN;
        key = memberType(key, member.text, called, classes);
        if (called) p = closingParen(toks, p) + 1;
      }
    };
    /** After the dotted name ending at `next`: when it is a call, the members of its result. */
    const afterCall = (owner: string | undefined, method: Tok, next: number) => {
      if (owner && toks[next]?.type === ApexLexer.LPAREN) {
        follow(memberType(owner, method.text, true, classes), closingParen(toks, next) + 1);
      }
    };

    for (let i = 0; i < toks.length; i++) {
      if (toks[i]!.type === ApexLexer.NEW) {
        // new Cls(...).member: the constructed class owns the member (the type name itself is judged below)
        const created = typeNameAt(toks, i + 1);
        if (created && toks[created.next]?.type === ApexLexer.LPAREN) {
          const key = created.name.toLowerCase();
          if (classes.has(key)) follow(key, closingParen(toks, created.next) + 1);
        }
        continue;
      }
      const t = typeNameAt(toks, i);
      if (!t) continue;
      const parts = t.name.split('.');
      const segs = parts.map((_, k) => toks[i + 2 * k]!);
      const head = parts[0]!.toLowerCase();
      if (vars.has(head)) {
        // variable.member: judged only when the variable's type is certain and it does not shadow a class
        const type = vars.get(head);
        if (type && parts.length > 1 && !classes.has(head)) {
          // variable.a.b: each step's owner is the previous step's declared type
          let owner: string | undefined = type;
          for (let k = 1; k < parts.length && owner; k++) {
            judge(classes.get(owner)!, segs[k]!);
            if (k < parts.length - 1) owner = memberType(owner, parts[k]!, false, classes);
            else afterCall(owner, segs[k]!, t.next);
          }
        }
        i = t.next - 1;
        continue;
      }
      // Class.member, Outer.Inner.member: each prefix that names a class owns the segment after it
      let longest = 0;
      for (let k = 1; k < parts.length; k++) {
        const owner = classes.get(parts.slice(0, k).join('.').toLowerCase());
        if (owner) {
          judge(owner, segs[k]!);
          longest = k;
        }
      }
      if (longest > 0) {
        // Cls.field.member, Cls.make().member: past the class name, the declared types lead on
        let owner: string | undefined = parts.slice(0, longest).join('.').toLowerCase();
        for (let k = longest; k < parts.length && owner; k++) {
          if (k > longest) judge(classes.get(owner)!, segs[k]!);
          if (k < parts.length - 1) owner = memberType(owner, parts[k]!, false, classes);
          else afterCall(owner, segs[k]!, t.next);
        }
      }
      i = t.next - 1;
    }
  });
  return problems;
}
