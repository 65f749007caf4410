/**
 * Starts a worker thread from a script beside the calling code, both when
 * running compiled JavaScript (`dist/`, `.js`) and TypeScript sources
 * through tsx (`.ts`: the worker registers tsx's loader first).
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Starts `script` (absolute path, without extension) as a worker, with the
 * extension of `callerFile` (pass `__filename`).
 */
export function spawnScriptWorker(script: string, callerFile: string, workerData: unknown): Worker {
  const ext = path.extname(callerFile);
  const file = `${script}${ext}`;
  if (ext === '.ts') {
    const loader = require.resolve('tsx/cjs');
    const code = `require(${JSON.stringify(loader)}); require(${JSON.stringify(file)});`;
    // The parent's flags (e.g. the test runner's) are not meant for the worker.
    return new Worker(code, { eval: true, execArgv: [], workerData });
  }
  return new Worker(file, { workerData });
}
