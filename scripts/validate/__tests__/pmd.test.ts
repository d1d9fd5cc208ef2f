import { ToolError, type Problem } from '../../lib/errors';
import { pmdCheck } from '../checks/pmd';
import { apexClass, DEFAULT, makeProject, removeProject } from './fixtures';

// PMD runs in a JVM: allow for its start-up on a slow machine
jest.setTimeout(120_000);

const CLEAN = `/**
 * Reads accounts for the current user.
 */
public with sharing class AccountReader {
  /**
   * @description The ten newest accounts the user can see.
   * @return accounts
   */
  public static List<Account> newest() {
    return [SELECT Id, Name FROM Account WITH USER_MODE ORDER BY CreatedDate DESC LIMIT 10];
  }
}
`;

const INSECURE = `public without sharing class AccountSearch {
  public static List<Account> byName(String name) {
    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + name + '\\'');
  }
}
`;

async function run(files: Record<string, string>) {
  const dir = makeProject(files);
  const notes: Problem[] = [];
  try {
    const problems = await pmdCheck.run({ projectDir: dir, note: (p) => notes.push(p) });
    return { problems, notes };
  } finally {
    removeProject(dir);
  }
}

describe('pmd', () => {
  it('passes clean Apex; lower-severity advice is only noted', async () => {
    const { problems } = await run(apexClass('AccountReader', CLEAN));
    expect(problems).toEqual([]);
  });

  it('fails a without-sharing class open to SOQL injection with severity <= 2, naming file and line', async () => {
    const { problems, notes } = await run(apexClass('AccountSearch', INSECURE));
    const file = `${DEFAULT}/classes/AccountSearch.cls`;
    expect(problems).toContainEqual(
      expect.objectContaining({ file, line: 3, message: expect.stringMatching(/^ApexSOQLInjection \(severity 2\)/) })
    );
    expect(problems.every((p) => /\(severity [12]\)/.test(p.message))).toBe(true);
    expect(notes.every((p) => /\(severity [345]\)/.test(p.message))).toBe(true);
  });

  it('fails a class with no sharing declaration (ApexSharingViolations raised to High)', async () => {
    const source = `public class NoSharing {\n  public static void save(Account a) {\n    update as user a;\n  }\n}\n`;
    const { problems } = await run(apexClass('NoSharing', source));
    expect(problems).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/^ApexSharingViolations \(severity 2\)/) })
    );
  });

  it('returns at once when there is no Apex', async () => {
    const started = Date.now();
    expect((await run({})).problems).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('says to install a JDK 17 when Java is missing', async () => {
    const saved = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME };
    process.env.PATH = '/nonexistent';
    delete process.env.JAVA_HOME;
    try {
      const err = await run(apexClass('AccountReader', CLEAN)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ToolError);
      expect((err as Error).message).toContain('apt-get install -y openjdk-17-jre-headless');
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.JAVA_HOME !== undefined) process.env.JAVA_HOME = saved.JAVA_HOME;
    }
  });
});
