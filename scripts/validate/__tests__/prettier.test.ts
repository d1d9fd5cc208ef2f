import { apexClass, DEFAULT, lwcBundle, makeProject, removeProject, validateInChild, writeFile } from './fixtures';

// prettier 3 imports its ES-module core with import(), which jest's sandbox cannot run: drive the real CLI.
jest.setTimeout(120_000);

const CONFIGS = ['sfdx-project.json', '.prettierrc', '.prettierignore'];
const FORMATTED_APEX =
  "public with sharing class Hello {\n  public static String greet(String name) {\n    return 'hello ' + name;\n  }\n}\n";
const FORMATTED_JS =
  "import { LightningElement } from 'lwc';\n\nexport default class Hello extends LightningElement {}\n";

describe('prettier', () => {
  it('passes formatted Apex, LWC and TypeScript, and honours .prettierignore', () => {
    const dir = makeProject(
      {
        ...apexClass('Hello', FORMATTED_APEX),
        ...lwcBundle('hello', FORMATTED_JS, '<template>\n  <p>hi</p>\n</template>\n'),
        'scripts/lib/greet.ts': 'export const greet = (name: string): string => `hello ${name}`;\n',
        // ignored by .prettierignore (*.md)
        'docs/notes.md': '#   messy    markdown\n'
      },
      CONFIGS
    );
    try {
      const { code, check } = validateInChild('prettier', dir);
      expect(check.problems).toEqual([]);
      expect(code).toBe(0);
    } finally {
      removeProject(dir);
    }
  });

  it('reports each unformatted file (Apex through prettier-plugin-apex, and TypeScript)', () => {
    const dir = makeProject(apexClass('Hello', FORMATTED_APEX), CONFIGS);
    try {
      writeFile(
        dir,
        `${DEFAULT}/classes/Hello.cls`,
        "public with sharing class Hello{\n  public static String greet(String name){ return 'hello '+name; }\n}\n"
      );
      writeFile(dir, 'scripts/lib/greet.ts', 'export const greet = (name: string): string => "hello " + name\n');
      const { code, check } = validateInChild('prettier', dir);
      expect(code).toBe(1);
      expect(check.problems).toEqual([
        expect.objectContaining({
          file: `${DEFAULT}/classes/Hello.cls`,
          line: 1,
          message: expect.stringContaining('not formatted')
        }),
        expect.objectContaining({
          file: 'scripts/lib/greet.ts',
          line: 1,
          message: expect.stringContaining('npx prettier --write scripts/lib/greet.ts')
        })
      ]);
    } finally {
      removeProject(dir);
    }
  });
});
