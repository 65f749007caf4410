import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCK_FILE, lockWorkDir } from '../../src/train/work_dir_lock';

test('one run per work dir: a live owner blocks with its pid, a dead owner\'s lock is taken over, release frees it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-lock-'));
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  try {
    const lockFile = path.join(dir, LOCK_FILE);
    fs.writeFileSync(lockFile, JSON.stringify({ pid: sleeper.pid, host: os.hostname(), started: 'then' }));
    assert.throws(() => lockWorkDir(dir), new RegExp(`in use by another training run \\(process ${sleeper.pid}`));
    // A process that has exited: its lock is stale.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(lockFile, JSON.stringify({ pid: Number(gone), host: os.hostname(), started: 'then' }));
    const notes: string[] = [];
    const release = lockWorkDir(dir, (owner) => notes.push(owner));
    assert.match(notes[0], new RegExp(`process ${gone} .*no longer running`));
    assert.equal(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid, process.pid);
    release();
    assert.equal(fs.existsSync(lockFile), false);
    // A garbled lock file is stale too.
    fs.writeFileSync(lockFile, '{"pid');
    lockWorkDir(dir)();
  } finally {
    sleeper.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
