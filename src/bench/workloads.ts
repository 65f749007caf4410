/**
 * The benchmark workloads of BENCH.md, built from the ordinary model and
 * pipeline code (no special path): `train-step`, `infer`, `infer-tta`, `crf`,
 * `eval-val`. Each returns its median time and, for network work, GFLOP/s.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config/schema';
import { syntheticCrfInput } from '../crf/crf_bench';
import { runGuidanceCrf } from '../crf/guidance_crf';
import { buildDataset } from '../data/registry';
import { SIX_CANDIDATES, inferUnary } from '../ensemble/infer';
import { evaluateDataset } from '../eval/evaluate';
import { buildSegmentor } from '../model/build';
import { countFlops } from '../model/flops';
import type { Segmentor } from '../model/types';
import { MomentumSgd } from '../train/sgd';
import { trainStep } from '../train/train_step';
import { Rng } from '../util/rng';
import { timeRuns } from '../util/timing';

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
  /** Trained weights to use instead of a fresh initialization (eval-val). */
  loadedModel?: Segmentor;
}

const INFER_SIZE: [number, number] = [360, 480];

function randomImage(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function result(workload: WorkloadName, ms: number, flops: number, detail?: string): WorkloadResult {
  return { workload, medianMs: ms, flops, gflops: flops ? flops / (ms / 1000) / 1e9 : NaN, detail };
}

/** One SGD step on a batch of 2 random 256×256 crops. */
async function trainStepWorkload(ctx: BenchContext): Promise<WorkloadResult> {
  const [batchSize, size] = [2, 256];
  const model = buildSegmentor(ctx.model, 1);
  const optimizer = new MomentumSgd({ momentum: 0.9, weightDecay: 5e-4 });
  const rng = new Rng(2);
  const images = Float32Array.from(randomImage(rng, batchSize * size * size * 3));
  const labels = new Uint8Array(batchSize * size * size).map(() => rng.int(ctx.model.numClasses));
  const batch = { batchSize, height: size, width: size, images, labels };
  try {
    const t = await timeRuns(ctx.runs, ctx.warmup, () => trainStep(model, optimizer, batch, { lr: 1e-3, clsLossWeight: 1, rng }));
    // Backward costs two forward passes (input and weight gradients).
    return result('train-step', t.wallMs, 3 * countFlops(ctx.model, size, size, batchSize), `batch ${batchSize}×${size}²`);
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

async function inferWorkload(ctx: BenchContext, tta: boolean): Promise<WorkloadResult> {
  const [h, w] = INFER_SIZE;
  const model = buildSegmentor(ctx.model, 1);
  const image = randomImage(new Rng(3), h * w * 3);
  const opts = tta ? SIX_CANDIDATES : undefined;
  try {
    const t = await timeRuns(ctx.runs, ctx.warmup, () => inferUnary(model, image, h, w, opts));
    let flops = countFlops(ctx.model, h, w);
    if (tta) {
      flops = 0;
      for (const s of SIX_CANDIDATES.scales) flops += 2 * countFlops(ctx.model, Math.round(h * s), Math.round(w * s));
    }
    return result(tta ? 'infer-tta' : 'infer', t.wallMs, flops, tta ? '6 candidates, avg' : `${h}×${w}`);
  } finally {
    model.dispose();
  }
}

async function evalValWorkload(ctx: BenchContext): Promise<WorkloadResult> {
  const dataset = buildDataset({ type: 'camvid', root: ctx.camvidRoot, trainSplit: 'train', valSplit: 'val' }, 'val');
  const model = ctx.loadedModel ?? buildSegmentor(ctx.model, 1);
  const L = model.config.numClasses;
  try {
    let mIoU = NaN;
    const t = await timeRuns(ctx.runs, 0, async () => {
      const r = await evaluateDataset(
        dataset,
        async (s) => inferUnary(model, s.image, s.height, s.width).scores,
        { numClasses: L },
      );
      mIoU = r.metrics.mIoU;
    });
    const flops = dataset.length * countFlops(model.config, INFER_SIZE[0], INFER_SIZE[1]);
    return result('eval-val', t.wallMs, flops, `${dataset.length} images, mIoU ${(100 * mIoU).toFixed(2)}`);
  } finally {
    if (!ctx.loadedModel) model.dispose();
  }
}

/** Guidance CRF, T = 5, r = 4, L = 11 on a 360×480 image and unary. */
async function crfWorkload(ctx: BenchContext): Promise<WorkloadResult> {
  const [h, w] = INFER_SIZE;
  const settings = { T: 5, r: 4, eps: 10, w: 5, lambda: 1 };
  const input = syntheticCrfInput(h, w, 11, 4);
  const t = await timeRuns(ctx.runs, ctx.warmup, () => runGuidanceCrf(input, settings));
  return result('crf', t.wallMs, 0, `${(t.wallMs / settings.T).toFixed(1)} ms/iteration, 1 thread`);
}

/** Runs one workload. */
export async function runWorkload(name: WorkloadName, ctx: BenchContext): Promise<WorkloadResult> {
  const before = tf.memory().numTensors;
  let r: WorkloadResult;
  switch (name) {
    case 'train-step':
      r = await trainStepWorkload(ctx);
      break;
    case 'infer':
      r = await inferWorkload(ctx, false);
      break;
    case 'infer-tta':
      r = await inferWorkload(ctx, true);
      break;
    case 'eval-val':
      r = await evalValWorkload(ctx);
      break;
    case 'crf':
      r = await crfWorkload(ctx);
      break;
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`workload ${name} leaked ${leaked} tensors`);
  return r;
}
