import { DEFAULT, lwcBundle, makeProject, removeProject, validateInChild } from './fixtures';

// ESLint loads eslint.config.js with import(), which jest's sandbox cannot run: these tests drive the real CLI.
jest.setTimeout(120_000);

const CONFIGS = ['sfdx-project.json', 'eslint.config.js'];
const GOOD_JS =
  "import { LightningElement, api } from 'lwc';\n\nexport default class Hello extends LightningElement {\n  @api name;\n}\n";
const GOOD_TS = 'export function greet(name: string): string {\n  return `hello ${name}`;\n}\n';

describe('eslint', () => {
  it('passes LWC JavaScript and TypeScript tooling that follow the rules', () => {
    const dir = makeProject({ ...lwcBundle('hello', GOOD_JS), 'scripts/lib/greet.ts': GOOD_TS }, CONFIGS);
    try {
      const { code, check } = validateInChild('eslint', dir);
      expect(check.problems).toEqual([]);
      expect(code).toBe(0);
    } finally {
      removeProject(dir);
    }
  });

  it('reports an LWC rule violation and a TypeScript lint error with file and line', () => {
    const badJs =
      "import { LightningElement } from 'lwc';\n\nexport default class Hello extends LightningElement {\n" +
      '  connectedCallback() {\n    const unused = 1;\n    this.template.innerHTML = "<b>x</b>";\n  }\n}\n';
    const badTs = 'export function greet(name: any): string {\n  return `hello ${name}`;\n}\n';
    const dir = makeProject({ ...lwcBundle('hello', badJs), 'scripts/lib/greet.ts': badTs }, CONFIGS);
    try {
      const { code, check } = validateInChild('eslint', dir);
      expect(code).toBe(1);
      const js = `${DEFAULT}/lwc/hello/hello.js`;
      expect(check.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ file: js, line: 5, message: expect.stringContaining('(no-unused-vars)') }),
          expect.objectContaining({ file: js, line: 6, message: expect.stringContaining('(@lwc/lwc/no-inner-html)') }),
          expect.objectContaining({
            file: 'scripts/lib/greet.ts',
            line: 1,
            message: expect.stringContaining('(@typescript-eslint/no-explicit-any)')
          })
        ])
      );
    } finally {
      removeProject(dir);
    }
  });

  it('reports a project without eslint.config.js as a problem, not a crash', () => {
    const dir = makeProject(lwcBundle('hello', GOOD_JS));
    try {
      const { check } = validateInChild('eslint', dir);
      expect(check.problems).toEqual([expect.objectContaining({ file: 'eslint.config.js' })]);
    } finally {
      removeProject(dir);
    }
  });
});
