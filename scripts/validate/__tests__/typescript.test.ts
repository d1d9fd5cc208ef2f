import { parseTscOutput, typescriptCheck } from '../checks/typescript';
import { makeProject, removeProject } from './fixtures';

jest.setTimeout(120_000);

describe('typescript', () => {
  it('passes code that type-checks under the strict tsconfig', async () => {
    const dir = makeProject(
      { 'scripts/lib/sum.ts': 'export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);\n' },
      ['sfdx-project.json', 'tsconfig.json']
    );
    try {
      expect(await typescriptCheck.run({ projectDir: dir })).toEqual([]);
    } finally {
      removeProject(dir);
    }
  });

  it('reports a type error with file, line and column', async () => {
    const dir = makeProject(
      { 'scripts/lib/sum.ts': "export function total(): number {\n  const n: number = 'forty-two';\n  return n;\n}\n" },
      ['sfdx-project.json', 'tsconfig.json']
    );
    try {
      expect(await typescriptCheck.run({ projectDir: dir })).toEqual([
        {
          file: 'scripts/lib/sum.ts',
          line: 2,
          column: 9,
          message: "Type 'string' is not assignable to type 'number'. (TS2322)"
        }
      ]);
    } finally {
      removeProject(dir);
    }
  });

  it('reports a missing tsconfig instead of crashing', async () => {
    const dir = makeProject();
    try {
      expect(await typescriptCheck.run({ projectDir: dir })).toEqual([
        expect.objectContaining({ file: 'tsconfig.json' })
      ]);
    } finally {
      removeProject(dir);
    }
  });

  it('parses multi-line and global diagnostics', () => {
    const out = [
      "scripts/a.ts(3,5): error TS2345: Argument of type 'X' is not assignable to parameter of type 'Y'.",
      "  Property 'z' is missing in type 'X'.",
      "error TS18003: No inputs were found in config file 'tsconfig.json'."
    ].join('\n');
    expect(parseTscOutput(out)).toEqual([
      {
        file: 'scripts/a.ts',
        line: 3,
        column: 5,
        message:
          "Argument of type 'X' is not assignable to parameter of type 'Y'. Property 'z' is missing in type 'X'. (TS2345)"
      },
      { file: 'tsconfig.json', message: "No inputs were found in config file 'tsconfig.json'. (TS18003)" }
    ]);
  });
});
