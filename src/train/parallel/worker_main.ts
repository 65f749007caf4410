/**
 * Entry point of a data-parallel training worker thread: its own tfjs
 * backend and model copy with synchronized BatchNorm. Per step it reads the
 * shared weights, computes the gradients of its shard's weighted loss,
 * publishes them, and after a barrier applies the optimizer update to its
 * range of the shared weights.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../engine/backend';
import { buildSegmentor } from '../../model/build';
import { setBatchStatistics } from '../../model/layers/batchnorm';
import type { GuidedSegmentor } from '../../model/segmentor';
import { Rng } from '../../util/rng';
import { computeGradients, sampleSeeds } from '../train_step';
import { Collective } from './collective';
import type { StepMessage, WorkerInit, WorkerReply } from './messages';
import { BarrierAbortedError } from '../../util/shared_barrier';
import { averageBuffers, rateSegments, sgdUpdateRange, shardRange, type RateSegment } from './sharded_sgd';
import { parameterLayout, readWeights, writeBuffers, writeGradients, type ParameterLayout } from './shared_state';
import { SyncBatchStatistics } from './sync_batchnorm';

function sameLayout(a: ParameterLayout, b: ParameterLayout): boolean {
  const key = (l: ParameterLayout) => JSON.stringify([l.trainable, l.buffers]);
  return key(a) === key(b);
}

class TrainingWorker {
  private readonly layout: ParameterLayout;
  private readonly collective: Collective;
  private readonly sync: SyncBatchStatistics;
  private readonly rates: RateSegment[];

  constructor(
    private readonly init: WorkerInit,
    private readonly model: GuidedSegmentor,
  ) {
    this.layout = parameterLayout(model);
    if (!sameLayout(this.layout, init.layout)) throw new Error(`worker ${init.rank}: its model's variables differ from the main thread's`);
    this.rates = rateSegments(this.layout.trainable, init.sgd.lrMult);
    this.collective = new Collective(init.collective, init.rank, init.workers);
    this.sync = new SyncBatchStatistics(this.collective, init.bnGroupSize);
    setBatchStatistics(model, this.sync.statistics);
  }

  /** Runs one step; returns the shard's (weighted) losses. */
  step(msg: StepMessage): Extract<WorkerReply, { type: 'done' }> {
    const { init, layout, model } = this;
    const { state } = init;
    const p = layout.trainableSize;
    const barrier = this.collective.barrier;
    const t0 = performance.now();
    readWeights(model, layout, state);
    const t1 = performance.now();
    const waitedBefore = barrier.waitedMs;
    this.sync.setShard({ offset: msg.offset, count: msg.count, batchSize: msg.batchSize, shardOffsets: msg.shardOffsets });
    const fault = init.fault;
    if (fault && fault.rank === init.rank && fault.step === msg.step) {
      if (fault.mode === 'exit') process.exit(3);
      throw new Error(`fault injected in worker ${init.rank}`);
    }
    const batch = { batchSize: msg.count, height: msg.height, width: msg.width, images: msg.images, labels: msg.labels };
    const { losses, grads } = computeGradients(model, batch, {
      clsLossWeight: init.clsLossWeight,
      classWeights: init.classWeights,
      rng: new Rng(msg.seed),
      sampleSeeds: sampleSeeds(msg.seed, msg.offset, msg.count),
      termWeights: { ce: msg.ceWeight, cls: msg.shares[init.rank] },
    });
    const t2 = performance.now();
    const bnWait = barrier.waitedMs - waitedBefore;
    try {
      if (!Number.isFinite(losses.total)) throw new Error(`loss is ${losses.total}: training diverged (lower the learning rate)`);
      writeGradients(grads, layout, state, init.rank);
    } finally {
      for (const g of Object.values(grads)) g.dispose();
    }
    // This forward pass updated the running statistics of the local copy; publish them for averaging.
    writeBuffers(model, layout, state, init.rank);
    const t3 = performance.now();

    barrier.wait(); // every gradient slot is written
    const t4 = performance.now();
    sgdUpdateRange(state, p, init.workers, shardRange(p, init.rank, init.workers), msg.lr, init.sgd, this.rates);
    if (init.rank === 0) averageBuffers(state, p, layout.bufferSize, msg.shares);
    const t5 = performance.now();
    const timings = { read: t1 - t0, compute: t2 - t1 - bnWait, bnWait, write: t3 - t2, gradWait: t4 - t3, update: t5 - t4 };
    return { type: 'done', step: msg.step, losses, tensors: tf.memory().numTensors, timings };
  }

  fail(): void {
    this.collective.barrier.abort();
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker_main must run in a worker thread');
  const init = workerData as WorkerInit;
  let worker: TrainingWorker | null = null;
  let currentStep = 0;
  const reply = (r: WorkerReply) => port.postMessage(r);
  try {
    await initBackend(init.backend);
    worker = new TrainingWorker(init, buildSegmentor(init.model, 0));
  } catch (err) {
    // Abort so the other workers never wait for this one.
    new Collective(init.collective, init.rank, init.workers).barrier.abort();
    throw err;
  }
  port.on('message', (msg: StepMessage) => {
    if (msg.type !== 'step') return;
    currentStep = msg.step;
    try {
      reply(worker!.step(msg));
    } catch (err) {
      const aborted = err instanceof BarrierAbortedError;
      if (!aborted) worker!.fail();
      const e = err instanceof Error ? err : new Error(String(err));
      reply({ type: 'failed', step: currentStep, message: e.message, stack: e.stack, aborted });
    }
  });
  reply({ type: 'ready' });
}

main().catch((err) => {
  // Surfaces as the Worker's 'error' event in the main thread.
  setImmediate(() => {
    throw err;
  });
});
