/**
 * One training run per work dir: an exclusive lock file (`.lock`, created with
 * O_EXCL) holding the owner's pid and host. A lock whose process is gone (on
 * this host) is stale: it is taken over, with a note, not a permanent block.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const LOCK_FILE = '.lock';

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `workDir` (created if needed); returns its release. Errors name the owner. */
export function lockWorkDir(workDir: string, onStale?: (owner: string) => void): () => void {
  fs.mkdirSync(workDir, { recursive: true });
  const file = path.join(workDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${file}: cannot create the lock: ${(err as Error).message}`);
    }
    let owner: LockOwner | null = null;
    try {
      owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    } catch {
      // Unreadable or half-written: treated as stale.
    }
    if (owner && owner.host === me.host && owner.pid !== me.pid && alive(owner.pid)) {
      throw new Error(`${workDir} is in use by another training run (process ${owner.pid}, started ${owner.started}); wait for it or use another --work-dir`);
    }
    if (owner && owner.host !== me.host) {
      throw new Error(`${workDir} is locked by a run on host ${owner.host} (process ${owner.pid}); if that run is gone, delete ${file}`);
    }
    onStale?.(owner ? `process ${owner.pid} (started ${owner.started}), no longer running` : 'an unreadable lock file');
    fs.rmSync(file, { force: true });
  }
  throw new Error(`${file}: could not take the lock`);
}
