/**
 * Data-parallel training, main-thread side: starts N worker threads (each
 * with its own tfjs backend and model copy), splits every SGD batch among
 * them, and collects their losses. Weights, momentum and gradients live in
 * shared memory (see shared_state.ts); gradients are summed with
 * loss-share weights, so a step equals one single-process step over the
 * whole batch, BatchNorm included (synchronized, docs/method.md §5). The main
 * thread keeps the checkpoints: `syncTo` copies the one shared state into
 * a model and optimizer.
 */
import type { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { BatchNorm2d } from '../../model/layers/batchnorm';
import type { Module } from '../../model/module';
import type { MomentumSgd } from '../sgd';
import type { Batch, StepLosses } from '../train_step';
import { createCollectiveBuffers, type CollectiveBuffers } from './collective';
import type { StepMessage, StepTimings, WorkerInit, WorkerReply, WorkerSettings } from './messages';
import { shardBatch, sliceBatch } from './shard';
import { abortBarrier } from '../../util/shared_barrier';
import {
  createSharedState,
  parameterLayout,
  readMomentum,
  readWeights,
  writeMomentum,
  writeWeights,
  type ParameterLayout,
  type SharedTrainingState,
} from './shared_state';
import { spawnScriptWorker } from '../../util/spawn_worker';
import { resolveBnGroupSize } from './sync_batchnorm';

/** Settings of {@link DataParallelTrainer}. */
export interface DataParallelOptions extends WorkerSettings {
  /** Largest SGD batch that will be stepped (sizes the shared BatchNorm exchange). */
  maxBatchSize: number;
}

/** Per-step settings of {@link DataParallelTrainer.step}. */
export interface ParallelStepOptions {
  /** 1-based step number, used in error messages. */
  step: number;
  lr: number;
  /** Seed of this step's dropout masks (worker k draws from a stream derived from it). */
  seed: number;
}

type Outcome = { rank: number; reply?: WorkerReply; exitCode?: number; error?: Error };

function largestBatchNorm(model: Module): number {
  let c = 0;
  for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d) c = Math.max(c, m.channels);
  return c;
}

/** Runs SGD steps of one model on several worker threads. Call {@link close} when done. */
export class DataParallelTrainer {
  /** Live tensors in each worker after the last step (a leak shows as growth). */
  workerTensors: number[] = [];
  /** Where each worker's time of the last step went. */
  workerTimings: StepTimings[] = [];
  private failure: Error | null = null;
  private closing = false;
  private pending: { step: number; outcomes: Map<number, Outcome>; settle: () => void } | null = null;

  private constructor(
    readonly workers: number,
    private readonly threads: Worker[],
    private readonly layout: ParameterLayout,
    private readonly state: SharedTrainingState,
    private readonly collective: CollectiveBuffers,
    private readonly options: DataParallelOptions,
  ) {}

  /**
   * Starts the workers from the current weights of `model` and momentum of
   * `optimizer` (e.g. just restored from a checkpoint).
   */
  static async start(model: Module, optimizer: MomentumSgd, options: DataParallelOptions): Promise<DataParallelTrainer> {
    const { workers } = options;
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`train.workers must be a positive integer, got ${workers}`);
    if (options.maxBatchSize < workers) {
      throw new Error(`train.batchSize (${options.maxBatchSize}) must be at least train.workers (${workers}): every worker needs a sample`);
    }
    resolveBnGroupSize(options.bnGroupSize, options.maxBatchSize);
    const layout = parameterLayout(model);
    const state = createSharedState(layout, workers);
    writeWeights(model, layout, state);
    writeMomentum(optimizer, layout, state);
    // BatchNorm exchanges per-sample rows of 2·C values (C: channels of the widest layer).
    const collective = createCollectiveBuffers(Math.max(1, options.maxBatchSize * 2 * largestBatchNorm(model)));
    const script = path.join(__dirname, 'worker_main');
    const threads: Worker[] = [];
    for (let rank = 0; rank < workers; rank++) {
      const init: WorkerInit = {
        rank,
        workers,
        backend: options.backend,
        model: options.model,
        clsLossWeight: options.clsLossWeight,
        classWeights: options.classWeights,
        sgd: options.sgd,
        bnGroupSize: options.bnGroupSize,
        layout,
        state,
        collective,
        fault: options.fault,
      };
      threads.push(spawnScriptWorker(script, __filename, init));
    }
    const trainer = new DataParallelTrainer(workers, threads, layout, state, collective, options);
    try {
      await trainer.waitReady();
    } catch (err) {
      await trainer.close();
      throw err;
    }
    return trainer;
  }

  private waitReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      let ready = 0;
      this.threads.forEach((t, rank) => {
        const onMessage = (r: WorkerReply) => {
          if (r.type !== 'ready') return;
          t.off('message', onMessage);
          if (++ready === this.workers) {
            this.threads.forEach((w, k) => this.listen(w, k));
            resolve();
          }
        };
        t.on('message', onMessage);
        t.once('error', (err) => reject(new Error(`data-parallel worker ${rank} failed to start: ${err.message}`)));
        t.once('exit', (code) => reject(new Error(`data-parallel worker ${rank} exited with code ${code} while starting`)));
      });
    });
  }

  private listen(thread: Worker, rank: number): void {
    thread.removeAllListeners('error');
    thread.removeAllListeners('exit');
    thread.on('message', (r: WorkerReply) => {
      if ((r.type === 'done' || r.type === 'failed') && this.pending?.step === r.step) this.record({ rank, reply: r });
    });
    thread.on('error', (error) => this.lost({ rank, error }));
    thread.on('exit', (exitCode) => this.lost({ rank, exitCode }));
  }

  /** A worker thread ended or threw outside a step's reply. */
  private lost(outcome: Outcome): void {
    if (this.closing) return;
    // Wake the others if they wait for it at a barrier.
    abortBarrier(this.collective.ctrl);
    // 'error' is followed by 'exit': the first outcome is the more telling one.
    if (this.pending && !this.pending.outcomes.has(outcome.rank)) this.record(outcome);
    else this.failure ??= new Error(`data-parallel worker ${outcome.rank} ${describe(outcome)} between steps`);
  }

  private record(outcome: Outcome): void {
    const p = this.pending!;
    if (p.outcomes.has(outcome.rank)) return;
    p.outcomes.set(outcome.rank, outcome);
    if (outcome.reply?.type !== 'done') abortBarrier(this.collective.ctrl);
    if (p.outcomes.size === this.workers) p.settle();
  }

  /**
   * One SGD step on `batch`: every worker takes a contiguous shard; the
   * update applies to the shared weights. Returns the losses of the whole
   * batch. After a worker failure the trainer is unusable (close it).
   */
  async step(batch: Batch, opts: ParallelStepOptions): Promise<StepLosses> {
    if (this.failure) throw this.failure;
    if (this.pending) throw new Error(`step ${opts.step} started before step ${this.pending.step} finished`);
    if (batch.batchSize > this.options.maxBatchSize) {
      throw new Error(`batch of ${batch.batchSize} exceeds the ${this.options.maxBatchSize} samples the workers were started for`);
    }
    const shards = shardBatch(batch, this.workers, this.options.classWeights);
    const shares = shards.map((s) => s.sampleShare);
    const outcomes = new Map<number, Outcome>();
    const settled = new Promise<void>((settle) => {
      this.pending = { step: opts.step, outcomes, settle };
    });
    shards.forEach((shard, rank) => {
      const part = sliceBatch(batch, shard);
      const msg: StepMessage = {
        type: 'step',
        step: opts.step,
        lr: opts.lr,
        // Worker 0 draws from the step's own stream, like a single process does.
        // One base seed for every worker: each derives its samples' dropout seeds from their batch positions.
        seed: opts.seed,
        batchSize: batch.batchSize,
        height: batch.height,
        width: batch.width,
        offset: shard.offset,
        count: shard.count,
        shardOffsets: shards.map((s) => s.offset),
        images: part.images,
        labels: part.labels,
        ceWeight: shard.ceWeight,
        shares,
      };
      this.threads[rank].postMessage(msg, [part.images.buffer as ArrayBuffer, part.labels.buffer as ArrayBuffer]);
    });
    await settled;
    this.pending = null;
    const failed = [...outcomes.values()].filter((o) => o.reply?.type !== 'done').sort((a, b) => a.rank - b.rank);
    if (failed.length) {
      // Workers woken by the abort only report the fault of another; name the one that failed first.
      const cause = failed.find((o) => !(o.reply?.type === 'failed' && o.reply.aborted)) ?? failed[0];
      this.failure = new Error(`training step ${opts.step} failed: worker ${cause.rank} of ${this.workers} ${describe(cause)}`);
      if (cause.error?.stack) this.failure.stack = `${this.failure.message}\n${cause.error.stack}`;
      else if (cause.reply?.type === 'failed' && cause.reply.stack) this.failure.stack = `${this.failure.message}\n${cause.reply.stack}`;
      throw this.failure;
    }
    const losses: StepLosses = { total: 0, ce: 0 };
    this.workerTensors = new Array(this.workers).fill(0);
    this.workerTimings = new Array(this.workers);
    for (const o of outcomes.values()) {
      const done = o.reply as Extract<WorkerReply, { type: 'done' }>;
      this.workerTensors[o.rank] = done.tensors;
      this.workerTimings[o.rank] = done.timings;
      const l = done.losses;
      losses.total += l.total;
      losses.ce += l.ce;
      if (l.cls !== undefined) losses.cls = (losses.cls ?? 0) + l.cls;
    }
    return losses;
  }

  /** Copies the shared weights and momentum into `model` and `optimizer` (before saving them). */
  syncTo(model: Module, optimizer: MomentumSgd): void {
    if (this.failure) throw new Error(`cannot read the training state after a failed step: ${this.failure.message}`);
    readWeights(model, this.layout, this.state);
    readMomentum(optimizer, this.layout, this.state);
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    abortBarrier(this.collective.ctrl);
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}

function describe(o: Outcome): string {
  if (o.reply?.type === 'failed') return `threw: ${o.reply.message}`;
  if (o.error) return `threw: ${o.error.message}`;
  return `exited with code ${o.exitCode}`;
}
