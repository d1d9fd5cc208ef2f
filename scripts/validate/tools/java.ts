/**
 * The Java the Apex tools run on (PMD, apex-ls): JAVA_HOME's when set, else `java` on the PATH. A missing or
 * too old Java is one clear ToolError saying what to install, never a JVM or engine stack trace.
 */
import * as path from 'node:path';
import { ToolError } from '../../lib/errors';
import { runProcess } from '../files';

export const INSTALL_JDK = 'Install a JDK 17, e.g. `apt-get install -y openjdk-17-jre-headless`, or set JAVA_HOME.';

export function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, 'bin', 'java') : 'java';
}

/** Resolves when `java` is at least `minMajor`; `tool` names who needs it, for the message. */
export async function requireJava(java: string, cwd: string, minMajor: number, tool: string): Promise<void> {
  const r = await runProcess(java, ['-version'], {
    cwd,
    timeoutMs: 30_000,
    toolHint: `${tool} needs Java. ${INSTALL_JDK}`
  });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr + r.stdout);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (r.code !== 0 || !(major >= minMajor)) {
    throw new ToolError(
      `${tool} needs Java ${minMajor} or newer, found ${m ? `Java ${major}` : 'no usable java'} at ${java}. ${INSTALL_JDK}`
    );
  }
}
