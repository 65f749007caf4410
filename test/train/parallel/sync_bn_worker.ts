/**
 * Test fixture (not a test): a worker thread that runs one BatchNorm2d with
 * synchronized statistics on its shard and reports outputs, gradients and
 * running statistics. Driven by sync_batchnorm.test.ts.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { BatchNorm2d } from '../../../src/model/layers/batchnorm';
import { Collective, type CollectiveBuffers } from '../../../src/train/parallel/collective';
import { SyncBatchStatistics } from '../../../src/train/parallel/sync_batchnorm';

/** One worker's part of a synchronized BatchNorm check. */
export interface SyncBnJob {
  rank: number;
  parties: number;
  buffers: CollectiveBuffers;
  groupSize: number;
  offset: number;
  count: number;
  batchSize: number;
  shardOffsets: number[];
  shape: [number, number, number];
  x: Float32Array;
  dy: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  momentum: number;
}

/** What the worker reports: its shard's y and dL/dx, its partial dL/dgamma and dL/dbeta, its running statistics. */
export interface SyncBnResult {
  y: Float32Array;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
  /** Tensors left after the job minus before it. */
  leaked: number;
}

function run(job: SyncBnJob): SyncBnResult {
  const [h, w, c] = job.shape;
  const before = tf.memory().numTensors;
  const bn = new BatchNorm2d(c, { momentum: job.momentum });
  tf.tidy(() => {
    bn.gamma.assign(tf.tensor1d(job.gamma));
    bn.beta.assign(tf.tensor1d(job.beta));
  });
  const sync = new SyncBatchStatistics(new Collective(job.buffers, job.rank, job.parties), job.groupSize);
  bn.statistics = sync.statistics;
  sync.setShard({ offset: job.offset, count: job.count, batchSize: job.batchSize, shardOffsets: job.shardOffsets });
  const x = tf.tidy(() => tf.variable(tf.tensor4d(job.x, [job.count, h, w, c])));
  const dy = tf.tensor4d(job.dy, [job.count, h, w, c]);
  let y: tf.Tensor | null = null;
  // One forward and backward pass for x, gamma and beta (the running statistics update once).
  const { value, grads } = tf.variableGrads(() => {
    y = tf.keep(bn.forward(x, { training: true }));
    return tf.sum(tf.mul(y, dy)) as tf.Scalar;
  }, [x, bn.gamma, bn.beta]);
  const result: SyncBnResult = {
    y: (y as unknown as tf.Tensor).dataSync() as Float32Array,
    dx: grads[x.name].dataSync() as Float32Array,
    dgamma: grads[bn.gamma.name].dataSync() as Float32Array,
    dbeta: grads[bn.beta.name].dataSync() as Float32Array,
    runningMean: bn.runningMean.dataSync() as Float32Array,
    runningVar: bn.runningVar.dataSync() as Float32Array,
    leaked: 0,
  };
  tf.dispose([value, ...Object.values(grads), y as unknown as tf.Tensor, x, dy]);
  bn.dispose();
  result.leaked = tf.memory().numTensors - before;
  return result;
}

const port = parentPort!;
const ready = initBackend('cpu');
port.on('message', async (job: SyncBnJob) => {
  await ready;
  try {
    port.postMessage({ result: run(job) });
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});
