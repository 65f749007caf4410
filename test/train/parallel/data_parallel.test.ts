import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../../src/model/model_config';
import { BatchLoader, type Batch } from '../../../src/data/loader';
import { buildDataset } from '../../../src/data/registry';
import { initBackend } from '../../../src/engine/backend';
import { buildSegmentor } from '../../../src/model/build';
import { groupedBatchStatistics } from '../../../src/model/layers/batch_statistics';
import { setBatchStatistics } from '../../../src/model/layers/batchnorm';
import { modelPreset } from '../../../src/model/presets';
import { DataParallelTrainer } from '../../../src/train/parallel/data_parallel';
import { MomentumSgd } from '../../../src/train/sgd';
import { trainStep, type StepLosses } from '../../../src/train/train_step';
import { Rng } from '../../../src/util/rng';

/** A small BatchNorm model (bench-resnet layout) without dropout, so runs are deterministic. */
function tinyResnet(): ModelConfig {
  return modelPreset('bench-resnet', {
    numClasses: 8,
    backbone: { width: 0.0625 },
    denseHead: { channels: 8, dropout: 0 },
    clsHead: { hidden: 8, poolSize: 2, dropout: 0 },
  });
}

/** Batches of 32×32 synthetic context images; sample 0 of each batch has most pixels ignored, so shards weigh differently. */
async function contextBatches(count: number, batchSize: number): Promise<Batch[]> {
  const dataset = buildDataset({ type: 'context', context: { trainSize: 12, valSize: 2, height: 32, width: 32 } } as never, 'train');
  const loader = new BatchLoader(dataset, { batchSize, seed: 5, prefetch: false });
  const rng = new Rng(9);
  const out: Batch[] = [];
  for (let i = 0; i < count; i++) {
    const b = await loader.next();
    const pixels = b.height * b.width;
    for (let p = 0; p < pixels; p++) if (rng.next() < 0.7) b.labels[p] = 255;
    out.push(b);
  }
  return out;
}

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

// Multipliers on two paths (one nested in the other), so per-variable rates are part of the comparison.
const sgd = { momentum: 0.9, weightDecay: 1e-4, lrMult: { clsHead: 0.5, 'clsHead.fc3': 2 } };

for (const [bnGroupSize, weighted] of [[0, false], [2, false], [0, true]] as const) {
  test(`2 workers × 2 samples = 1 process × 4 samples (bnGroupSize ${bnGroupSize}${weighted ? ', class-weighted CE' : ''}): losses, weights, running stats, momentum`, async () => {
    await initBackend('cpu');
    const config = tinyResnet();
    const classWeights = weighted ? Float32Array.from({ length: config.numClasses }, (_, c) => 0.5 + 0.3 * c) : undefined;
    const batches = await contextBatches(3, 4);
    const reference = buildSegmentor(config, 7);
    if (bnGroupSize) setBatchStatistics(reference, groupedBatchStatistics(bnGroupSize));
    const refOpt = new MomentumSgd(sgd);
    const model = buildSegmentor(config, 7);
    const opt = new MomentumSgd(sgd);
    const trainer = await DataParallelTrainer.start(model, opt, {
      workers: 2,
      backend: 'cpu',
      model: config,
      clsLossWeight: 0.7,
      classWeights,
      sgd,
      bnGroupSize,
      maxBatchSize: 4,
    });
    let workerTensors: number[] = [];
    try {
      for (let i = 0; i < batches.length; i++) {
        const lr = 0.05;
        const want = trainStep(reference, refOpt, batches[i], { lr, clsLossWeight: 0.7, rng: new Rng(i), classWeights });
        const got: StepLosses = await trainer.step(batches[i], { step: i + 1, lr, seed: i });
        // The first step creates nothing lasting in the workers either: their tensor counts stay flat.
        if (i === 0) workerTensors = trainer.workerTensors;
        else assert.deepEqual(trainer.workerTensors, workerTensors, `worker tensors after step ${i + 1}`);
        for (const k of ['total', 'ce', 'cls'] as const) {
          assert.ok(Math.abs(got[k]! - want[k]!) <= 1e-5 * Math.abs(want[k]!), `step ${i + 1} ${k}: ${got[k]} vs ${want[k]}`);
        }
      }
      trainer.syncTo(model, opt);
      const refVars = new Map(reference.namedVariables());
      let worst = 0;
      for (const [name, v] of model.namedVariables()) {
        const d = relDiff(v.dataSync(), refVars.get(name)!.dataSync());
        worst = Math.max(worst, d);
        // A BatchNorm shift has only ever moved by its gradient Σdy, a sum over the whole map with heavy
        // cancellation, so float32 rounding weighs more on it than on any other variable.
        const tolerance = name.endsWith('.bn.beta') ? 1e-4 : 5e-5;
        assert.ok(d < tolerance, `${name}: relative difference ${d}`);
      }
      const refMomentum = refOpt.getState();
      let worstMomentum = 0;
      for (const [name, m] of opt.getState()) {
        const d = relDiff(m.dataSync(), refMomentum.get(name)!.dataSync());
        worstMomentum = Math.max(worstMomentum, d);
        assert.ok(d < 1e-4, `momentum of ${name}: relative difference ${d}`);
      }
      console.log(
        `bnGroupSize ${bnGroupSize}: worst relative difference of weights ${worst.toExponential(2)}, of momentum ${worstMomentum.toExponential(2)}`,
      );
    } finally {
      await trainer.close();
      reference.dispose();
      model.dispose();
      refOpt.dispose();
      opt.dispose();
    }
    assert.equal(tf.memory().numTensors, 0);
  });
}
