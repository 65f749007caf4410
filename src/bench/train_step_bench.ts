/**
 * The `train-step` workload (docs/benchmarks.md): one SGD step of the joint loss on a
 * batch of random 256×256 crops, in this thread or with data-parallel
 * worker threads. Several worker counts are timed in interleaved rounds (one
 * step of each count per round), so that slow drifts of the machine's speed
 * weigh on every count alike and their ratio stays meaningful.
 */
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../engine/backend';
import { buildSegmentor } from '../model/build';
import { countFlops } from '../model/flops';
import { groupedBatchStatistics } from '../model/layers/batch_statistics';
import { setBatchStatistics } from '../model/layers/batchnorm';
import { DataParallelTrainer } from '../train/parallel/data_parallel';
import type { StepTimings } from '../train/parallel/messages';
import { shardBatch, sliceBatch } from '../train/parallel/shard';
import { spawnScriptWorker } from '../util/spawn_worker';
import { resolveBnGroupSize } from '../train/parallel/sync_batchnorm';
import { MomentumSgd } from '../train/sgd';
import { trainStep, type Batch } from '../train/train_step';
import { Rng } from '../util/rng';
import { median, timeCall } from '../util/timing';
import type { GradientWorkerInit } from './gradient_worker';
import type { BenchContext, WorkloadResult } from './types';

const CROP = 256;
const SGD = { momentum: 0.9, weightDecay: 5e-4 };

/** One worker count, set up and ready to step. */
interface Rig {
  workers: number;
  /** Images of every step. */
  batchSize: number;
  step(): Promise<void>;
  /** Per-worker phase timings of every step so far (worker threads only). */
  timings: StepTimings[];
  close(): Promise<void>;
}

/** Speed-up (in images/s) of a worker count over the first one compared. */
export interface SpeedUp {
  workers: number;
  baseWorkers: number;
  /** Ratio of the images/s at the median step times. */
  ofMedians: number;
  /** Ratios of the images/s within each round (same moment, same machine state). */
  perRound: number[];
}

/**
 * Images per step of each worker count: `perWorker` × workers when set
 * (weak scaling: a fixed batch per worker, as data-parallel toolkits count
 * it, e.g. mmsegmentation's samples_per_gpu), else `batchSize` for all.
 */
export function stepBatchSizes(workerCounts: readonly number[], batchSize: number, perWorker?: number): number[] {
  return workerCounts.map((w) => (perWorker === undefined ? batchSize : perWorker * w));
}

function randomBatch(batchSize: number, numClasses: number): Batch {
  const rng = new Rng(2);
  const images = new Float32Array(batchSize * CROP * CROP * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  const labels = new Uint8Array(batchSize * CROP * CROP);
  for (let i = 0; i < labels.length; i++) labels[i] = rng.int(numClasses);
  return { batchSize, height: CROP, width: CROP, images, labels };
}

/** `group`: samples per BatchNorm group (already resolved against the batch). */
async function createRig(ctx: BenchContext, workers: number, batch: Batch, group: number): Promise<Rig> {
  const model = buildSegmentor(ctx.model, 1);
  const optimizer = new MomentumSgd(SGD);
  const release = () => {
    optimizer.dispose();
    model.dispose();
  };
  if (workers <= 1) {
    if (group < batch.batchSize) setBatchStatistics(model, groupedBatchStatistics(group));
    const rng = new Rng(2);
    return {
      workers: 1,
      batchSize: batch.batchSize,
      timings: [],
      step: async () => {
        trainStep(model, optimizer, batch, { lr: 1e-3, clsLossWeight: 1, rng });
      },
      close: async () => release(),
    };
  }
  let trainer: DataParallelTrainer;
  try {
    trainer = await DataParallelTrainer.start(model, optimizer, {
      workers,
      backend: tf.getBackend() as BackendName,
      model: ctx.model,
      clsLossWeight: 1,
      sgd: SGD,
      bnGroupSize: group,
      maxBatchSize: batch.batchSize,
    });
  } catch (err) {
    release();
    throw err;
  }
  let step = 0;
  const rig: Rig = {
    workers,
    batchSize: batch.batchSize,
    timings: [],
    step: async () => {
      await trainer.step(batch, { step: ++step, lr: 1e-3, seed: 2 });
      rig.timings.push(...trainer.workerTimings);
    },
    close: async () => {
      await trainer.close();
      release();
    },
  };
  return rig;
}

/**
 * `workers` threads that each compute the gradients of their shard of the
 * batch, all at once, and nothing else (see gradient_worker.ts): the
 * ceiling of any data-parallel step on this machine.
 */
async function createComputeOnlyRig(ctx: BenchContext, workers: number, batch: Batch): Promise<Rig> {
  const init: GradientWorkerInit = { backend: tf.getBackend() as BackendName, model: ctx.model };
  const threads = Array.from({ length: workers }, () => spawnScriptWorker(path.join(__dirname, 'gradient_worker'), __filename, init));
  // The next message of `t`; rejects if it throws or exits first.
  const next = (t: Worker) =>
    new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => done(new Error(`gradient worker failed: ${err.message}`));
      const exit = (code: number) => done(new Error(`gradient worker exited with code ${code}`));
      const done = (err?: Error) => {
        t.off('error', fail).off('exit', exit).off('message', ok);
        if (err) reject(err);
        else resolve();
      };
      const ok = () => done();
      t.once('error', fail).once('exit', exit).once('message', ok);
    });
  const close = async () => {
    await Promise.all(threads.map((t) => t.terminate()));
  };
  try {
    await Promise.all(threads.map(next));
  } catch (err) {
    await close();
    throw err;
  }
  const shards = shardBatch(batch, workers).map((s) => sliceBatch(batch, s));
  return {
    workers,
    batchSize: batch.batchSize,
    timings: [],
    step: async () => {
      const done = threads.map(next);
      threads.forEach((t, k) => t.postMessage(shards[k]));
      await Promise.all(done);
    },
    close,
  };
}

/** The median of each phase over `timings`, as `read 12.3, compute 456.7, …`. */
function describeTimings(timings: StepTimings[]): string {
  const keys = Object.keys(timings[0] ?? {}) as (keyof StepTimings)[];
  return keys.map((k) => `${k} ${median(timings.map((t) => t[k])).toFixed(1)}`).join(', ');
}

/**
 * Times `train-step` with each worker count of `workerCounts` (1: this
 * thread), `ctx.warmup` untimed and `ctx.runs` timed rounds, and returns one
 * result per count and the speed-up in images/s of every later count over
 * the first. Every count steps `ctx.batchSize` images, or `ctx.perWorker`
 * per worker when set. With `computeOnly`, counts above 1 run the gradient
 * computation alone (one shard per thread, nothing exchanged, no update):
 * the ceiling of the speed-up that data parallelism can reach here.
 */
export async function compareTrainStep(
  ctx: BenchContext,
  workerCounts: readonly number[],
  computeOnly = false,
): Promise<{ results: WorkloadResult[]; speedUps: SpeedUp[] }> {
  const sizes = stepBatchSizes(workerCounts, ctx.batchSize ?? 2, ctx.perWorker);
  const batches = sizes.map((n) => randomBatch(n, ctx.model.numClasses));
  const groups = sizes.map((n) => resolveBnGroupSize(ctx.bnGroupSize ?? 0, n));
  const tensorsBefore = tf.memory().numTensors;
  const rigs: Rig[] = [];
  try {
    for (const [k, workers] of workerCounts.entries()) {
      rigs.push(
        computeOnly && workers > 1
          ? await createComputeOnlyRig(ctx, workers, batches[k])
          : await createRig(ctx, workers, batches[k], groups[k]),
      );
    }
    const wall = rigs.map(() => [] as number[]);
    const cpu = rigs.map(() => [] as number[]);
    for (let round = 0; round < ctx.warmup + ctx.runs; round++) {
      for (const [k, rig] of rigs.entries()) {
        const t = await timeCall(() => rig.step());
        if (round < ctx.warmup) continue;
        wall[k].push(t.wallMs);
        cpu[k].push(t.cpuMs);
      }
    }
    const results = rigs.map((rig, k): WorkloadResult => {
      const ms = median(wall[k]);
      // Backward costs two forward passes (input and weight gradients).
      const flops = 3 * countFlops(ctx.model, CROP, CROP, rig.batchSize);
      let where = rig.workers > 1 ? `${rig.workers} worker threads` : '1 thread';
      if (computeOnly && rig.workers > 1) where += ' computing their shard\'s gradients only (no exchange, no update)';
      const timed = rig.timings.slice(ctx.warmup * rig.workers);
      const phases = timed.length ? `; per worker (median ms): ${describeTimings(timed)}` : '';
      const grouped = groups[k] < rig.batchSize ? `BatchNorm groups of ${groups[k]}, ` : '';
      const detail =
        `batch ${rig.batchSize}×${CROP}², ${grouped}${where}, ${(rig.batchSize / (ms / 1000)).toFixed(2)} images/s, ` +
        `CPU ${median(cpu[k]).toFixed(0)} ms/step${phases}`;
      return { workload: 'train-step', medianMs: ms, flops, gflops: flops / (ms / 1000) / 1e9, detail };
    });
    // Images/s of count k over the first, from step times t0 and tk.
    const gain = (k: number, t0: number, tk: number) => (rigs[k].batchSize / tk) / (rigs[0].batchSize / t0);
    const speedUps = rigs.slice(1).map((rig, j) => ({
      workers: rig.workers,
      baseWorkers: rigs[0].workers,
      ofMedians: gain(j + 1, results[0].medianMs, results[j + 1].medianMs),
      perRound: wall[0].map((base, r) => gain(j + 1, base, wall[j + 1][r])),
    }));
    const leaked = () => tf.memory().numTensors - tensorsBefore;
    for (const rig of rigs.splice(0)) await rig.close();
    if (leaked() !== 0) throw new Error(`train-step benchmark leaked ${leaked()} tensors`);
    return { results, speedUps };
  } finally {
    // After a failure: release what was set up.
    for (const rig of rigs) await rig.close();
  }
}
