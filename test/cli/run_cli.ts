/** Runs the `guideseg` command as a child process, for the CLI tests. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { packageRoot } from '../../src/cli/common';

const root = packageRoot();

// Compiled tests run the compiled CLI; tests run through tsx run the sources.
const cli: string[] = __filename.endsWith('.ts')
  ? [path.join(root, 'node_modules', '.bin', 'tsx'), path.join(root, 'src', 'cli', 'main.ts')]
  : [process.execPath, path.join(root, 'dist', 'src', 'cli', 'main.js')];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `guideseg ARGS…` in the package folder; resolves with its exit code and output. */
export function runCli(args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cli[0], [...cli.slice(1), ...args], { cwd: root, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
