import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkpointDir, finalModelDir, listCheckpoints, resolveCheckpoint, runDirOf } from '../../src/train/run_folder';

test('run folder: checkpoint names, newest first, and how a checkpoint argument resolves', () => {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-run-'));
  try {
    assert.throws(() => resolveCheckpoint(run), /no model.json here, nor a training run/);
    for (const it of [100, 20]) {
      fs.mkdirSync(checkpointDir(run, it), { recursive: true });
      fs.writeFileSync(path.join(checkpointDir(run, it), 'model.json'), '{}');
    }
    assert.equal(path.basename(checkpointDir(run, 20)), 'iter_0000020');
    assert.deepEqual(listCheckpoints(run), [checkpointDir(run, 100), checkpointDir(run, 20)]);
    assert.equal(resolveCheckpoint(run), checkpointDir(run, 100), 'newest checkpoint without final/');
    fs.mkdirSync(finalModelDir(run));
    fs.writeFileSync(path.join(finalModelDir(run), 'model.json'), '{}');
    assert.equal(resolveCheckpoint(run), finalModelDir(run), 'final/ wins');
    assert.equal(resolveCheckpoint(checkpointDir(run, 20)), checkpointDir(run, 20), 'a model folder is itself');
    assert.equal(runDirOf(finalModelDir(run)), null, 'no config.json: not a run');
    fs.writeFileSync(path.join(run, 'config.json'), '{}');
    assert.equal(runDirOf(finalModelDir(run)), run);
    assert.equal(runDirOf(checkpointDir(run, 20)), run);
  } finally {
    fs.rmSync(run, { recursive: true, force: true });
  }
});
