/** The benchmark workloads' names, context and results (shared by workloads.ts and train_step_bench.ts). */
import type { ModelConfig } from '../model/model_config';
import type { Segmentor } from '../model/types';
import type { RuntimeName } from '../ensemble/network';

export const WORKLOADS = ['train-step', 'infer', 'infer-tta', 'crf', 'eval-val'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface WorkloadResult {
  workload: WorkloadName;
  medianMs: number;
  /** Achieved GFLOP/s (multiply-add = 2 FLOPs); NaN where not a network workload. */
  gflops: number;
  /** FLOPs of one timed run. */
  flops: number;
  detail?: string;
}

export interface BenchContext {
  model: ModelConfig;
  runs: number;
  warmup: number;
  /** CamVid folder for `eval-val`. */
  camvidRoot: string;
  /** What runs the network in `infer`, `infer-tta` and `eval-val` (default tfjs). */
  runtime?: RuntimeName;
  /** ONNX Runtime threads (default: one per core). */
  onnxThreads?: number;
  /** Trained weights to use instead of a fresh initialization (eval-val). */
  loadedModel?: Segmentor;
  /** Data-parallel worker threads for `train-step` (default 1: the calling thread, no workers). */
  workers?: number;
  /** Images per `train-step` batch (default 2, as docs/benchmarks.md defines it). */
  batchSize?: number;
  /** Images per worker in a `train-step` worker comparison (overrides `batchSize`: each count steps perWorker × workers). */
  perWorker?: number;
  /** Samples per BatchNorm group in `train-step` (default 0: the whole batch). */
  bnGroupSize?: number;
}
