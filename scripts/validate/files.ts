/**
 * Small file and process helpers the checks share: walking a project without wandering into node_modules or
 * tool caches, turning offsets into line/column, and running a child process without throwing on a non-zero exit
 * (a failing tool is a result to parse, not an exception).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ToolError } from '../lib/errors';
import { displayPath } from '../lib/paths';

/** Folders no check ever reads: dependencies, VCS data, CLI caches and build output. */
const ALWAYS_SKIPPED = new Set(['node_modules', '.git', '.sf', '.sfdx', '.gtm', '.localdevserver', 'coverage']);

/** Test folders: they deliberately contain broken or fake input, and are kept out of the package by .forceignore. */
export const TEST_DIR_NAMES = new Set(['__tests__', '__mocks__', '__fixtures__', 'fixtures']);

/** Every file under `root` (sorted, absolute) for which `keep` is true. A missing root yields nothing. */
export function listFiles(
  root: string,
  keep: (file: string) => boolean = () => true,
  skipDir: (name: string) => boolean = () => false
): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!ALWAYS_SKIPPED.has(e.name) && !skipDir(e.name)) walk(full);
      } else if (e.isFile() && keep(full)) {
        out.push(full);
      }
    }
  };
  walk(root);
  return out;
}

/** True when a path goes through a test folder or is a test file, which checks of shipped code skip. */
export function isTestPath(file: string): boolean {
  const parts = file.split(/[\\/]/);
  return parts.some((p) => TEST_DIR_NAMES.has(p)) || /\.(test|spec)\.[cm]?[jt]s$/.test(file);
}

/** Path for a Problem: relative to the project, with forward slashes. */
export function relFile(projectDir: string, file: string): string {
  return displayPath(file, projectDir);
}

/** 1-based line and column of a character offset. */
export function lineColAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command and collects its output. Rejects only when the program cannot be started (ToolError naming
 * it) or exceeds its time limit; a non-zero exit code is returned for the caller to interpret.
 */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; toolHint?: string }
): Promise<ProcessResult> {
  const limitMs = options.timeoutMs ?? 300_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ToolError(`${path.basename(command)} did not finish within ${limitMs / 1000} s`));
    }, limitMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = options.toolHint ? ` ${options.toolHint}` : '';
      reject(new ToolError(`could not start ${command} (${err.code ?? err.message}).${hint}`, { cause: err }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
