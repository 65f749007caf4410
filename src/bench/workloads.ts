/**
 * The benchmark workloads of docs/benchmarks.md, built from the ordinary model and
 * pipeline code (no special path): `train-step`, `infer`, `infer-tta`, `crf`,
 * `eval-val`. Each returns its median time and, for network work, GFLOP/s.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GuidanceCrfPool } from '../crf/crf_pool';
import { syntheticCrfInput } from './crf_bench';
import { runGuidanceCrf } from '../crf/guidance_crf';
import { selectKernel } from '../crf/kernels';
import { prepareGuide } from '../crf/guided_filter';
import { resolveCrfSettings } from '../crf/settings';
import { buildDataset } from '../data/registry';
import * as os from 'node:os';
import { SINGLE_SCALE, SIX_CANDIDATES } from '../ensemble/candidates';
import { inferUnary, onnxRunner, type NetworkRunner } from '../ensemble/network';
import { tfjsRunner } from '../ensemble/tfjs_runner';
import { exportOnnx } from '../model/onnx_export';
import type { Segmentor } from '../model/types';
import { OnnxNetwork, onnxSessionOptions } from '../onnx/network';
import { requireOnnxRuntime } from '../onnx/node_runtime';
import { evaluateDataset } from '../eval/evaluate';
import { buildSegmentor } from '../model/build';
import { countFlops } from '../model/flops';
import { createCrfRunner } from '../pipeline/crf_runner';
import { scorePredictor } from '../pipeline/predictor';
import { Rng } from '../util/rng';
import { timeRuns } from '../util/timing';
import { compareTrainStep } from './train_step_bench';
import type { BenchContext, WorkloadName, WorkloadResult } from './types';


const INFER_SIZE: [number, number] = [360, 480];

function randomImage(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function result(workload: WorkloadName, ms: number, flops: number, detail?: string): WorkloadResult {
  return { workload, medianMs: ms, flops, gflops: flops ? flops / (ms / 1000) / 1e9 : NaN, detail };
}

/** The network of `model` on the context's runtime; the ONNX model is exported in memory. */
async function benchNetwork(ctx: BenchContext, model: Segmentor): Promise<{ network: NetworkRunner; onnx: Uint8Array | null }> {
  if ((ctx.runtime ?? 'tfjs') === 'tfjs') return { network: tfjsRunner(model), onnx: null };
  const onnx = exportOnnx(model, { version: 'bench' });
  const threads = ctx.onnxThreads ?? os.availableParallelism();
  return { network: onnxRunner(await OnnxNetwork.open(requireOnnxRuntime(), onnx, `${model.config.name}.onnx`, threads, model.config.numClasses)), onnx };
}

/** Median time of a bare ONNX Runtime `session.run` of `onnx` on one image: what guideseg's runtime adds is measured against it. */
async function bareSessionRun(ctx: BenchContext, onnx: Uint8Array, image: Uint8Array, h: number, w: number): Promise<number> {
  const ort = requireOnnxRuntime();
  const session = await ort.InferenceSession.create(onnx, onnxSessionOptions(ctx.onnxThreads ?? os.availableParallelism()));
  try {
    const feeds = {
      image: new ort.Tensor('float32', Float32Array.from(image), [1, h, w, 3]),
      size: new ort.Tensor('int64', BigInt64Array.from([BigInt(h), BigInt(w)]), [2]),
    };
    return (await timeRuns(ctx.runs, ctx.warmup, () => session.run(feeds))).wallMs;
  } finally {
    await session.release();
  }
}

async function inferWorkload(ctx: BenchContext, tta: boolean): Promise<WorkloadResult> {
  const [h, w] = INFER_SIZE;
  const model = ctx.loadedModel ?? buildSegmentor(ctx.model, 1);
  const image = randomImage(new Rng(3), h * w * 3);
  const opts = tta ? SIX_CANDIDATES : SINGLE_SCALE;
  const { network, onnx } = await benchNetwork(ctx, model);
  try {
    const t = await timeRuns(ctx.runs, ctx.warmup, () => inferUnary(network, image, h, w, opts));
    let flops = countFlops(ctx.model, h, w);
    if (tta) {
      flops = 0;
      for (const s of SIX_CANDIDATES.scales) flops += 2 * countFlops(ctx.model, Math.round(h * s), Math.round(w * s));
    }
    let detail = `${tta ? '6 candidates, avg' : `${h}×${w}`}, ${network.runtime}`;
    if (onnx && !tta) {
      const bare = await bareSessionRun(ctx, onnx, image, h, w);
      detail += `; bare ONNX Runtime session.run ${bare.toFixed(1)} ms (guideseg ${(t.wallMs / bare).toFixed(2)}×)`;
    }
    if (onnx) detail += `, ${ctx.onnxThreads ?? os.availableParallelism()} threads`;
    return result(tta ? 'infer-tta' : 'infer', t.wallMs, flops, detail);
  } finally {
    await network.release();
    if (!ctx.loadedModel) model.dispose();
  }
}

async function evalValWorkload(ctx: BenchContext): Promise<WorkloadResult> {
  const dataset = buildDataset({ type: 'camvid', root: ctx.camvidRoot, trainSplit: 'train', valSplit: 'val' }, 'val');
  const model = ctx.loadedModel ?? buildSegmentor(ctx.model, 1);
  const L = model.config.numClasses;
  // λ > 0 needs the global scores of a joint model.
  const crf = resolveCrfSettings({ ...BENCH_CRF, lambda: model.config.variant === 'joint' ? BENCH_CRF.lambda : 0 });
  const runner = await createCrfRunner(CRF_THREADS);
  const { network } = await benchNetwork(ctx, model);
  try {
    let mIoU = NaN;
    const pipeline = { ensemble: SINGLE_SCALE, crf };
    const t = await timeRuns(ctx.runs, 0, async () => {
      const r = await evaluateDataset(dataset, scorePredictor(network, pipeline, { crfRunner: runner }), { numClasses: L });
      mIoU = r.metrics.mIoU;
    });
    const flops = dataset.length * countFlops(model.config, INFER_SIZE[0], INFER_SIZE[1]);
    return result(
      'eval-val',
      t.wallMs,
      flops,
      `${dataset.length} images, infer + CRF (T ${crf.T}, r ${crf.r}, λ ${crf.lambda}, ${CRF_THREADS} threads) + confusion, ${network.runtime}, ` +
        `${(t.wallMs / dataset.length).toFixed(0)} ms/image, mIoU ${(100 * mIoU).toFixed(2)}`,
    );
  } finally {
    await network.release();
    await runner.close();
    if (!ctx.loadedModel) model.dispose();
  }
}

/** CRF settings of the `crf` and `eval-val` workloads (docs/benchmarks.md: T = 5, r = 4). */
const BENCH_CRF = { T: 5, r: 4, eps: 10, w: 5, lambda: 1 };
/** Threads of the CRF pool (the machine's 2 cores). */
const CRF_THREADS = 2;

/** Guidance CRF, T = 5, r = 4, L = 11 on a 360×480 image and unary: 2-thread pool, and 1 thread for comparison. */
async function crfWorkload(ctx: BenchContext): Promise<WorkloadResult> {
  const [h, w] = INFER_SIZE;
  const settings = resolveCrfSettings(BENCH_CRF);
  const input = { ...syntheticCrfInput(h, w, 11, 4), logPresence: Float64Array.from({ length: 11 }, (_, l) => -0.1 * l) };
  const pool = await GuidanceCrfPool.create(CRF_THREADS);
  try {
    // Whole image (guide preparation + T iterations), and iterations alone with the guide prepared beforehand.
    const full = await timeRuns(ctx.runs, ctx.warmup, () => pool.run(input, settings));
    const sharedGuide = prepareGuide(input.image, h, w, settings.r, settings.eps, { shared: true });
    const iters = await timeRuns(ctx.runs, ctx.warmup, () => pool.run({ ...input, guide: sharedGuide }, settings));
    const single = await timeRuns(ctx.runs, ctx.warmup, () => runGuidanceCrf(input, settings));
    const plainGuide = prepareGuide(input.image, h, w, settings.r, settings.eps);
    const singleIters = await timeRuns(ctx.runs, ctx.warmup, () => runGuidanceCrf({ ...input, guide: plainGuide }, settings));
    const guide = await timeRuns(ctx.runs, ctx.warmup, () => prepareGuide(input.image, h, w, settings.r, settings.eps));
    // The same on the plain JavaScript kernel, for comparison.
    const js = { kernel: 'js' } as const;
    const fullJs = await timeRuns(ctx.runs, ctx.warmup, () => pool.run(input, settings, js));
    const itersJs = await timeRuns(ctx.runs, ctx.warmup, () => pool.run({ ...input, guide: sharedGuide }, settings, js));
    const T = settings.T;
    const kernel = selectKernel('auto', settings, 11).name === 'wasm' ? 'wasm SIMD' : 'js';
    return result(
      'crf',
      full.wallMs,
      0,
      `${kernel} kernel, ${CRF_THREADS} threads: ${(iters.wallMs / T).toFixed(1)} ms/iteration (iterations alone); ` +
        `1 thread: ${single.wallMs.toFixed(1)} ms, ${(singleIters.wallMs / T).toFixed(1)} ms/iteration; ` +
        `js kernel, ${CRF_THREADS} threads: ${fullJs.wallMs.toFixed(1)} ms, ${(itersJs.wallMs / T).toFixed(1)} ms/iteration; ` +
        `guide preparation (js) ${guide.wallMs.toFixed(1)} ms`,
    );
  } finally {
    await pool.close();
  }
}

/** Runs one workload. */
export async function runWorkload(name: WorkloadName, ctx: BenchContext): Promise<WorkloadResult> {
  const before = tf.memory().numTensors;
  let r: WorkloadResult;
  switch (name) {
    case 'train-step':
      r = (await compareTrainStep(ctx, [ctx.workers ?? 1])).results[0];
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
