import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseConfig, type Config } from '../../../src/config/schema';
import { BatchLoader } from '../../../src/data/loader';
import { registerDataset } from '../../../src/data/registry';
import { createContext } from '../../../src/data/datasets/context';
import { initBackend } from '../../../src/engine/backend';
import { buildSegmentor } from '../../../src/model/build';
import { checkpointDir, listCheckpoints } from '../../../src/train/run_folder';
import { DataParallelTrainer } from '../../../src/train/parallel/data_parallel';
import { MomentumSgd } from '../../../src/train/sgd';
import { train } from '../../../src/train/trainer';

let tmp = '';
before(async () => {
  await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-parallel-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const BATCH = 2;
const SEED = 4;

/** A run of a small BatchNorm model (bench-resnet layout, no dropout) on 32×32 context images. */
function runConfig(dataType: string, train: Record<string, unknown> = {}): Config {
  return parseConfig({
    model: {
      name: 'tiny-resnet',
      numClasses: 8,
      backbone: { type: 'resnet', depth: 18, width: 0.0625, outputStride: 16 },
      denseHead: { channels: 8, dropout: 0 },
      clsHead: { hidden: 8, poolSize: 2, dropout: 0 },
    },
    data: { type: dataType, context: { trainSize: 8, valSize: 2, height: 32, width: 32 } },
    train: {
      iterations: 4,
      batchSize: BATCH,
      cropSize: [32, 32],
      scaleRange: [0.75, 1.25],
      baseLr: 0.02,
      checkpointInterval: 2,
      logInterval: 100,
      seed: SEED,
      ...train,
    },
    backend: 'cpu',
  });
}

function weightsOf(model: { namedVariables(): Array<[string, tf.Variable]> }): Map<string, Float32Array> {
  return new Map(model.namedVariables().map(([n, v]) => [n, v.dataSync() as Float32Array]));
}

const quiet = { interactive: false };

test('a worker that throws stops training naming the step; the checkpoint stays; resume, Ctrl-C and resume finish like one process', async () => {
  // The sample that worker 1 takes at step 3 carries an invalid label id, which makes its loss throw.
  const probe = new BatchLoader(createContext(runConfig('context').data, 'train'), { batchSize: BATCH, seed: SEED });
  const badIndex = probe.indexAt(0, 2 * BATCH + 1);
  registerDataset('context-bad-sample', (config, split) => {
    const healthy = createContext(config, split);
    return {
      ...healthy,
      get: async (i: number) => {
        const sample = await healthy.get(i);
        return i === badIndex ? { ...sample, label: new Uint8Array(sample.label.length).fill(200) } : sample;
      },
    };
  });

  const reference = await train(runConfig('context', { workers: 1 }), { workDir: path.join(tmp, 'single'), ...quiet });
  const expected = weightsOf(reference.model);
  reference.model.dispose();

  const dir = path.join(tmp, 'parallel');
  await assert.rejects(train(runConfig('context-bad-sample', { workers: 2 }), { workDir: dir, ...quiet }), (err: Error) => {
    assert.match(err.message, /step 3 failed: worker 1 of 2 threw: label value 200 out of range/);
    return true;
  });
  assert.deepEqual(listCheckpoints(dir), [checkpointDir(dir, 2)], 'the step-2 checkpoint is the newest and intact');

  // Resume on healthy data; an interrupt (Ctrl-C) after step 3 saves a checkpoint there.
  const interrupted = await train(runConfig('context', { workers: 2 }), {
    workDir: dir,
    resume: true,
    ...quiet,
    onStep: (iteration) => {
      if (iteration === 3) process.emit('SIGINT');
    },
  });
  assert.equal(interrupted.interrupted, true);
  assert.equal(interrupted.iteration, 3);
  assert.ok(fs.existsSync(checkpointDir(dir, 3)), 'Ctrl-C saved a checkpoint');
  interrupted.model.dispose();

  const resumed = await train(runConfig('context', { workers: 2 }), { workDir: dir, resume: true, ...quiet });
  assert.equal(resumed.iteration, 4);
  const got = weightsOf(resumed.model);
  resumed.model.dispose();
  let worst = 0;
  for (const [name, want] of expected) {
    const have = got.get(name)!;
    let diff = 0;
    let scale = 1e-12;
    for (let i = 0; i < want.length; i++) {
      diff = Math.max(diff, Math.abs(have[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    worst = Math.max(worst, diff / scale);
    assert.ok(diff / scale < 1e-4, `${name}: relative difference ${diff / scale}`);
  }
  console.log(`2 workers (fault, resume, Ctrl-C, resume) vs 1 process: worst weight relative difference ${worst.toExponential(2)}`);
});

test('a worker thread that dies ends the step with an error naming it; the trainer then refuses to go on', async () => {
  const config = runConfig('context').model;
  const model = buildSegmentor(config, 1);
  const optimizer = new MomentumSgd({ momentum: 0.9, weightDecay: 0 });
  const trainer = await DataParallelTrainer.start(model, optimizer, {
    workers: 2,
    backend: 'cpu',
    model: config,
    clsLossWeight: 1,
    sgd: { momentum: 0.9, weightDecay: 0 },
    bnGroupSize: 0,
    maxBatchSize: 2,
    fault: { rank: 0, step: 2, mode: 'exit' },
  });
  const batch = { batchSize: 2, height: 32, width: 32, images: new Float32Array(2 * 32 * 32 * 3).fill(90), labels: new Uint8Array(2 * 32 * 32).fill(3) };
  try {
    await trainer.step(batch, { step: 1, lr: 0.01, seed: 0 });
    await assert.rejects(trainer.step(batch, { step: 2, lr: 0.01, seed: 0 }), /step 2 failed: worker 0 of 2 exited with code 3/);
    await assert.rejects(trainer.step(batch, { step: 3, lr: 0.01, seed: 0 }), /step 2 failed/);
    assert.throws(() => trainer.syncTo(model, optimizer), /failed step/);
  } finally {
    await trainer.close();
    model.dispose();
    optimizer.dispose();
  }
});

test('training does not depend on the worker count: 1, 2 and 4 workers give the same weights after 20 steps, with dropout (float rounding only)', { timeout: 240_000 }, async () => {
  const config = (workers: number) =>
    parseConfig({
      ...runConfig('context', { iterations: 20, batchSize: 4, checkpointInterval: 100, baseLr: 0.005, workers }),
      model: { ...runConfig('context').model, denseHead: { channels: 8, dropout: 0.5 }, clsHead: { hidden: 8, poolSize: 2, dropout: 0.5 } },
    });
  const runs = new Map<number, Map<string, Float32Array>>();
  for (const workers of [1, 2, 4]) {
    const r = await train(config(workers), { workDir: path.join(tmp, `workers-${workers}`), ...quiet });
    runs.set(workers, weightsOf(r.model));
    r.model.dispose();
  }
  const one = runs.get(1)!;
  for (const workers of [2, 4]) {
    // Relative L2 over all weights, and the worst single variable (small BatchNorm shifts show rounding most).
    let worst = 0;
    let allNum = 0;
    let allDen = 0;
    for (const [name, want] of one) {
      const have = runs.get(workers)!.get(name)!;
      let num = 0;
      let den = 1e-30;
      for (let i = 0; i < want.length; i++) {
        num += (have[i] - want[i]) ** 2;
        den += want[i] ** 2;
      }
      worst = Math.max(worst, Math.sqrt(num / den));
      allNum += num;
      allDen += den;
    }
    const all = Math.sqrt(allNum / allDen);
    assert.ok(all < 1e-5, `${workers} workers vs 1: relative L2 difference of the weights ${all}`);
    assert.ok(worst < 1e-4, `${workers} workers vs 1: worst relative L2 difference of a variable ${worst}`);
  }
});
