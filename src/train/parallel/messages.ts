/** Messages between the main thread and the data-parallel training workers. */
import type { BackendName } from '../../engine/backend';
import type { ModelConfig } from '../../model/model_config';
import type { SgdOptions } from '../sgd';
import type { StepLosses } from '../train_step';
import type { CollectiveBuffers } from './collective';
import type { ParameterLayout, SharedTrainingState } from './shared_state';

/** A fault to provoke on purpose (tests of the failure paths). */
export interface FaultInjection {
  /** Worker that fails. */
  rank: number;
  /** Step (1-based) at which it fails, during its forward pass. */
  step: number;
  /** `throw`: an exception in the step; `exit`: the worker thread ends abruptly. */
  mode: 'throw' | 'exit';
}

/** Training settings the main thread and every worker share. */
export interface WorkerSettings {
  /** Worker threads (≥ 1). */
  workers: number;
  /** tfjs backend each worker starts (`cpu` is the exact reference). */
  backend: BackendName;
  /** Config of the model (every worker builds a copy). */
  model: ModelConfig;
  /** Weight β of the BCE term. */
  clsLossWeight: number;
  /** Per-class weights of the cross-entropy (`train.classWeights`), if any. */
  classWeights?: Float32Array;
  sgd: SgdOptions;
  /** Samples per BatchNorm group (0: the whole SGD batch); must divide the batch size. */
  bnGroupSize: number;
  /** Provoke a worker failure (tests of the failure paths). */
  fault?: FaultInjection;
}

/** What a worker is started with (`workerData`). */
export interface WorkerInit extends WorkerSettings {
  rank: number;
  /** The main thread's layout; the worker checks its model against it. */
  layout: ParameterLayout;
  state: SharedTrainingState;
  collective: CollectiveBuffers;
}

/** Main → worker: run one step on a shard (images and labels are the shard's, transferred). */
export interface StepMessage {
  type: 'step';
  /** 1-based step number (for error messages). */
  step: number;
  lr: number;
  /** Seed of the worker's dropout stream for this step. */
  seed: number;
  batchSize: number;
  height: number;
  width: number;
  offset: number;
  count: number;
  /** First sample of every worker's shard. */
  shardOffsets: number[];
  images: Float32Array;
  labels: Uint8Array;
  ceWeight: number;
  /** Every worker's share of the batch's samples (BCE weight and running-statistics weight). */
  shares: number[];
}

/** Where a worker's time of one step went, in milliseconds. */
export interface StepTimings {
  /** Loading the shared weights into the model. */
  read: number;
  /** Forward and backward pass, less the waits at BatchNorm exchanges. */
  compute: number;
  /** Waiting for the other workers at BatchNorm exchanges. */
  bnWait: number;
  /** Publishing gradients and running statistics. */
  write: number;
  /** Waiting for the other workers' gradients. */
  gradWait: number;
  /** This worker's part of the optimizer update. */
  update: number;
}

/** Worker → main. */
export type WorkerReply =
  | { type: 'ready' }
  | {
      type: 'done';
      step: number;
      losses: StepLosses;
      /** Live tensors in the worker after the step. */
      tensors: number;
      timings: StepTimings;
    }
  | { type: 'failed'; step: number; message: string; stack?: string; aborted: boolean };
