/**
 * The training loop's view of a step: one process (`train.workers` 1) or
 * data-parallel worker threads (more), with BatchNorm statistics grouped per
 * `train.bnGroupSize` either way, so both give the same step.
 */
import type { Config } from '../../config/schema';
import { groupedBatchStatistics } from '../../model/layers/batch_statistics';
import { setBatchStatistics } from '../../model/layers/batchnorm';
import type { Segmentor } from '../../model/types';
import { mixSeed, Rng } from '../../util/rng';
import type { MomentumSgd } from '../sgd';
import { sampleSeeds, trainStep, type Batch, type StepLosses } from '../train_step';
import { DataParallelTrainer } from './data_parallel';
import { resolveBnGroupSize } from './sync_batchnorm';

/** Runs the SGD steps of a training run. */
export interface StepRunner {
  /** Worker threads in use (1: this thread). */
  readonly workers: number;
  /** Trains on `batch` as step `iteration` (0-based count of steps done before it). */
  step(batch: Batch, iteration: number, lr: number): Promise<StepLosses>;
  /** Brings `model` and `optimizer` up to date with the training state (before saving them). */
  sync(): void;
  /** Releases the workers. */
  close(): Promise<void>;
}

/**
 * A step runner for `config.train`, training `model` with `optimizer` from
 * their current state. Throws, naming the `train.*` field, on settings that
 * do not fit (a group size that does not divide the batch, fewer samples than workers).
 */
export async function createStepRunner(
  config: Config,
  model: Segmentor,
  optimizer: MomentumSgd,
  classWeights?: Float32Array,
): Promise<StepRunner> {
  const tc = config.train;
  const group = resolveBnGroupSize(tc.bnGroupSize, tc.batchSize);
  const seedOf = (iteration: number) => mixSeed(tc.seed, iteration, 0x5eed);
  if (tc.workers <= 1) {
    if (group < tc.batchSize) setBatchStatistics(model, groupedBatchStatistics(group));
    return {
      workers: 1,
      step: async (batch, iteration, lr) =>
        trainStep(model, optimizer, batch, { lr, clsLossWeight: tc.clsLossWeight, rng: new Rng(seedOf(iteration)), sampleSeeds: sampleSeeds(seedOf(iteration), 0, batch.batchSize), classWeights }),
      sync: () => undefined,
      close: async () => undefined,
    };
  }
  const parallel = await DataParallelTrainer.start(model, optimizer, {
    workers: tc.workers,
    backend: config.backend,
    model: config.model,
    clsLossWeight: tc.clsLossWeight,
    classWeights,
    sgd: { momentum: tc.momentum, weightDecay: tc.weightDecay, lrMult: tc.lrMult },
    bnGroupSize: tc.bnGroupSize,
    maxBatchSize: tc.batchSize,
  });
  return {
    workers: tc.workers,
    step: (batch, iteration, lr) => parallel.step(batch, { step: iteration + 1, lr, seed: seedOf(iteration) }),
    sync: () => parallel.syncTo(model, optimizer),
    close: () => parallel.close(),
  };
}
