import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { groupedBatchStatistics } from '../../../src/model/layers/batch_statistics';
import { BatchNorm2d } from '../../../src/model/layers/batchnorm';
import { createCollectiveBuffers } from '../../../src/train/parallel/collective';
import { spawnScriptWorker } from '../../../src/util/spawn_worker';
import { resolveBnGroupSize } from '../../../src/train/parallel/sync_batchnorm';
import { Rng } from '../../../src/util/rng';
import type { SyncBnJob, SyncBnResult } from './sync_bn_worker';

const POOL = 3;
let workers: Worker[] = [];

before(async () => {
  await initBackend('cpu');
  workers = Array.from({ length: POOL }, () => spawnScriptWorker(path.join(__dirname, 'sync_bn_worker'), __filename, null));
});
after(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
});

function runOn(worker: Worker, job: SyncBnJob): Promise<SyncBnResult> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`test worker exited with code ${code}`));
    worker.once('exit', onExit);
    worker.once('message', (m: { result?: SyncBnResult; error?: string }) => {
      worker.off('exit', onExit);
      if (m.error) reject(new Error(m.error));
      else resolve(m.result!);
    });
  });
}

function randomArray(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

/** max |a − b| / max |b|. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One BatchNorm2d over the whole batch on this thread (the reference). */
function referenceBatchNorm(x: Float32Array, dy: Float32Array, shape: number[], gamma: Float32Array, beta: Float32Array, group: number, momentum: number) {
  const [b, h, w, c] = shape;
  const bn = new BatchNorm2d(c, { momentum });
  bn.gamma.assign(tf.tensor1d(gamma));
  bn.beta.assign(tf.tensor1d(beta));
  if (group !== b) bn.statistics = groupedBatchStatistics(group);
  const xv = tf.variable(tf.tensor4d(x, [b, h, w, c]));
  const dyt = tf.tensor4d(dy, [b, h, w, c]);
  let y: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    y = tf.keep(bn.forward(xv, { training: true }));
    return tf.sum(tf.mul(y, dyt)) as tf.Scalar;
  }, [xv, bn.gamma, bn.beta]);
  const out = {
    y: (y as unknown as tf.Tensor).dataSync(),
    dx: grads[xv.name].dataSync(),
    dgamma: grads[bn.gamma.name].dataSync(),
    dbeta: grads[bn.beta.name].dataSync(),
    runningMean: bn.runningMean.dataSync(),
    runningVar: bn.runningVar.dataSync(),
  };
  tf.dispose([value, ...Object.values(grads), y as unknown as tf.Tensor, xv, dyt]);
  bn.dispose();
  return out;
}

/** `exchange`: whether the workers must share statistics (false: every group lies inside one worker's shard). */
const cases: Array<{ name: string; counts: number[]; groupSize: number; exchange: boolean }> = [
  { name: '2 workers × 3 samples, one group (the whole batch)', counts: [3, 3], groupSize: 0, exchange: true },
  { name: '3 workers × 2 samples, groups of 3 spanning workers', counts: [2, 2, 2], groupSize: 3, exchange: true },
  { name: '2 workers with 3 + 1 samples, groups of 2', counts: [3, 1], groupSize: 2, exchange: true },
  { name: '2 workers with 2 + 4 samples, groups of 2 inside the shards', counts: [2, 4], groupSize: 2, exchange: false },
];

for (const [index, { name, counts, groupSize, exchange }] of cases.entries()) {
  test(`synchronized BatchNorm = one BatchNorm over the whole batch: ${name}`, async () => {
    const rng = new Rng(100 + index);
    const batchSize = counts.reduce((a, n) => a + n, 0);
    const [h, w, c] = [3, 4, 5];
    const per = h * w * c;
    // Channels with different offsets and scales, so that errors in the mean or the variance both show.
    const x = new Float32Array(batchSize * per);
    const shift = randomArray(rng, c, -3, 3);
    const scale = randomArray(rng, c, 0.2, 4);
    for (let i = 0; i < x.length; i++) x[i] = shift[i % c] + scale[i % c] * rng.normal();
    const dy = randomArray(rng, x.length, -1, 1);
    const gamma = randomArray(rng, c, 0.5, 1.5);
    const beta = randomArray(rng, c, -1, 1);
    const momentum = 0.3;

    const buffers = createCollectiveBuffers(batchSize * 2 * c);
    const shardOffsets = counts.map((_, k) => counts.slice(0, k).reduce((a, n) => a + n, 0));
    let offset = 0;
    const jobs = counts.map((count, rank) => {
      const job: SyncBnJob = {
        rank,
        parties: counts.length,
        buffers,
        groupSize,
        offset,
        count,
        batchSize,
        shardOffsets,
        shape: [h, w, c],
        x: x.slice(offset * per, (offset + count) * per),
        dy: dy.slice(offset * per, (offset + count) * per),
        gamma,
        beta,
        momentum,
      };
      offset += count;
      return job;
    });
    const pending = jobs.map((job, rank) => runOn(workers[rank], job));
    jobs.forEach((job, rank) => workers[rank].postMessage(job));
    const results = await Promise.all(pending);

    const ref = referenceBatchNorm(x, dy, [batchSize, h, w, c], gamma, beta, resolveBnGroupSize(groupSize, batchSize), momentum);
    const sum = (key: 'dgamma' | 'dbeta') => {
      const out = new Float64Array(c);
      for (const r of results) r[key].forEach((v, j) => (out[j] += v));
      return out;
    };
    // Running statistics: each worker's, weighted by its share of the batch (what training does).
    const averaged = (key: 'runningMean' | 'runningVar') => {
      const out = new Float64Array(c);
      results.forEach((r, k) => r[key].forEach((v, j) => (out[j] += (counts[k] / batchSize) * v)));
      return out;
    };
    const errors = {
      y: relError(concat(results.map((r) => r.y)), ref.y),
      dx: relError(concat(results.map((r) => r.dx)), ref.dx),
      dgamma: relError(sum('dgamma'), ref.dgamma),
      dbeta: relError(sum('dbeta'), ref.dbeta),
      runningMean: relError(averaged('runningMean'), ref.runningMean),
      runningVar: relError(averaged('runningVar'), ref.runningVar),
    };
    for (const [key, e] of Object.entries(errors)) assert.ok(e < 1e-5, `${key}: relative error ${e}`);
    for (const r of results) assert.equal(r.leaked, 0, 'tensors left in a worker');
    // Barrier word 1 counts the times the barrier opened: one exchange forward and one backward, or none.
    assert.equal(Atomics.load(buffers.ctrl, 1), exchange ? 2 : 0, 'barrier passages');
    console.log(`${name}: ${Object.entries(errors).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
  });
}
