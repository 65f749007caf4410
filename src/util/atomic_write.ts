/**
 * The one way a single file is written: to a temporary file beside it,
 * flushed, then renamed over it, so a reader (or a run that dies midway)
 * sees the old file or the whole new one, never a torn one. Node only.
 * Whole folders (checkpoints) are written by `writeFilesAtomic` in
 * `model/checkpoint_io.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
}

/**
 * Checks, before any work, that `file` can be written as a file: not an
 * existing folder, and under a path that is (or can become) a folder.
 * `option` names the flag in the error.
 */
export function checkOutputFile(file: string, option: string): void {
  const target = path.resolve(file);
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw new Error(`${option} ${file}: is a folder; give a file name`);
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    if (fs.existsSync(dir)) {
      if (!fs.statSync(dir).isDirectory()) throw new Error(`${option} ${file}: ${dir} is a file, not a folder`);
      return;
    }
    if (dir === path.dirname(dir)) return;
  }
}

/** Checks, before any work, that `dir` is a folder or can become one (no file in its place or above it). */
export function checkOutputFolder(dir: string, option: string): void {
  const target = path.resolve(dir);
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) throw new Error(`${option} ${dir}: is a file, not a folder`);
    return;
  }
  checkOutputFile(dir, option);
}

/** Writes `contents` to `file` atomically (its folder is created); errors name the file. */
export function writeFileAtomicSync(file: string, contents: string | Uint8Array): void {
  const target = path.resolve(file);
  const temp = tempName(target);
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeFileSync(fd, contents);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw new Error(`cannot write ${file}: ${(e as Error).message}`);
  }
}

/** Asynchronous {@link writeFileAtomicSync}. */
export async function writeFileAtomic(file: string, contents: string | Uint8Array): Promise<void> {
  const target = path.resolve(file);
  const temp = tempName(target);
  try {
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const handle = await fs.promises.open(temp, 'w');
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, target);
  } catch (e) {
    await fs.promises.rm(temp, { force: true });
    throw new Error(`cannot write ${file}: ${(e as Error).message}`);
  }
}
