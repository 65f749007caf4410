/**
 * Piecewise refit of the global branch (clsNet) on whole images at the test
 * scales. Joint training sees crops much smaller than the images it is tested
 * on, so the crop-trained g can misjudge which classes a whole image holds.
 * Here the backbone and dense head are frozen: each training image is run
 * once per view (scale × flip), the summary clsNet reads (its pooled F) and D
 * are cached, and only the clsNet layers are trained, with the joint loss of
 * docs/method.md §1 (CE of D + g at the feature grid + β · BCE of g against the
 * whole image's class presence).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/types';
import type { TrainConfig } from '../config/schema';
import { scaledInput } from '../ensemble/infer';
import type { GuidedSegmentor } from '../model/segmentor';
import { Rng } from '../util/rng';
import { binaryCrossEntropyWithLogits, crossEntropy, presenceTargets } from './loss';
import { polyLearningRate } from './lr_schedule';
import { MomentumSgd } from './sgd';

/** One view (an image at one scale, maybe mirrored) as the frozen network sees it. */
export interface RefitView {
  /** clsNet's input summary of F (e.g. its pooled grid), K values. */
  summary: Float32Array;
  /** D on the feature grid, height*width*L. */
  dense: Float32Array;
  /** Feature grid size. */
  height: number;
  width: number;
  /** The label under each feature pixel's centre (255 = ignore), height*width. */
  labels: Uint8Array;
  /** Class presence z of the whole image (ignore excluded), L values. */
  presence: Float32Array;
}

export interface CollectOptions {
  /** Resize factors of the views (the test-time candidate scales). */
  scales: number[];
  /** Also the mirrored view of each scale. */
  flip: boolean;
  /** Use the first `limit` images of the split. */
  limit?: number;
  onImage?: (done: number, total: number) => void;
}

/** The clsNet head of a joint model, or a clear error for a baseline. */
function globalHeadOf(model: GuidedSegmentor) {
  if (!model.clsHead) throw new Error('the model has no global branch (variant "baseline"): nothing to refit');
  return model.clsHead;
}

/**
 * Runs the frozen backbone and dense head over every view of the first
 * images of `dataset` and keeps what the refit needs.
 */
export async function collectRefitViews(model: GuidedSegmentor, dataset: Dataset, opts: CollectOptions): Promise<RefitView[]> {
  const head = globalHeadOf(model);
  const L = model.config.numClasses;
  const count = Math.min(dataset.length, opts.limit ?? Infinity);
  if (count === 0) throw new Error(`${dataset.type}/${dataset.split}: no images to refit the global branch on`);
  const stride = model.outputStride;
  const views: RefitView[] = [];
  for (let i = 0; i < count; i++) {
    const sample = await dataset.get(i);
    const { height: H, width: W } = sample;
    const presence = presenceTargets(sample.label, 1, L);
    const input = tf.tensor4d(Float32Array.from(sample.image), [1, H, W, 3]);
    for (const scale of opts.scales) {
      const scaled = scaledInput(input, scale);
      const [, vh, vw] = scaled.shape;
      for (const flipped of opts.flip ? [false, true] : [false]) {
        const [summary, dense] = tf.tidy(() => {
          const features = model.features(flipped ? tf.reverse(scaled, 2) : scaled, { training: false });
          return [head.summarize(features), model.denseHead.forward(features, { training: false })];
        });
        const [, h, w] = dense.shape;
        const view: RefitView = {
          summary: (await summary.data()) as Float32Array,
          dense: (await dense.data()) as Float32Array,
          height: h,
          width: w,
          labels: new Uint8Array(h * w),
          presence,
        };
        tf.dispose([summary, dense]);
        // Feature pixel j is centred on view pixel stride*j; map it back to the label's pixel.
        for (let y = 0; y < h; y++) {
          const sy = Math.min(H - 1, Math.round((Math.min(vh - 1, stride * y) * H) / vh));
          for (let x = 0; x < w; x++) {
            let vx = Math.min(vw - 1, stride * x);
            if (flipped) vx = vw - 1 - vx;
            const sx = Math.min(W - 1, Math.round((vx * W) / vw));
            view.labels[y * w + x] = sample.label[sy * W + sx];
          }
        }
        views.push(view);
      }
      if (scaled !== input) scaled.dispose();
    }
    input.dispose();
    opts.onImage?.(i + 1, count);
  }
  return views;
}

export interface RefitOptions {
  epochs: number;
  /** Views per SGD step. */
  batchSize: number;
  /** Base learning rate of the poly schedule. */
  lr: number;
  /** Exponent of the poly schedule (the training's `train.lrPower`). */
  lrPower: number;
  momentum: number;
  weightDecay: number;
  /** β of the joint loss. */
  clsLossWeight: number;
  /** Per-class weights of the cross-entropy (as in training). */
  classWeights?: Float32Array;
  seed: number;
  onEpoch?: (epoch: number, losses: RefitLosses) => void;
}

/** Mean loss terms over a set of views, and how often sigmoid(g) > 0.5 matches presence. */
export interface RefitLosses {
  ce: number;
  cls: number;
  total: number;
  presenceAccuracy: number;
  /** Standard deviation of g over the views, averaged over classes: 0 when g ignores the image. */
  globalSpread: number;
}

/** Below this spread g is taken as constant: the global branch has collapsed to a class prior. */
export const COLLAPSED_SPREAD = 1e-4;

function stackSummaries(views: RefitView[]): tf.Tensor2D {
  const K = views[0].summary.length;
  const data = new Float32Array(views.length * K);
  views.forEach((v, i) => data.set(v.summary, i * K));
  return tf.tensor2d(data, [views.length, K]);
}

/** Joint loss of a batch of views for scores `global` [B, L]: mean CE of D + g per view, + β · BCE. */
function batchLoss(views: RefitView[], global: tf.Tensor2D, opts: RefitOptions): { ce: tf.Scalar; cls: tf.Scalar; total: tf.Scalar } {
  const L = global.shape[1];
  const perView = views.map((v, b) => {
    const dense = tf.tensor4d(v.dense, [1, v.height, v.width, L]);
    const g = tf.reshape(tf.slice(global, [b, 0], [1, L]), [1, 1, 1, L]);
    return crossEntropy(tf.add(dense, g) as tf.Tensor4D, v.labels, opts.classWeights);
  });
  const ce = tf.div(tf.addN(perView), views.length) as tf.Scalar;
  const z = new Float32Array(views.length * L);
  views.forEach((v, b) => z.set(v.presence, b * L));
  const cls = binaryCrossEntropyWithLogits(global, z);
  return { ce, cls, total: tf.add(ce, tf.mul(cls, opts.clsLossWeight)) as tf.Scalar };
}

/** Loss terms and presence accuracy of the current clsNet over `views` (no dropout). */
export function refitLosses(model: GuidedSegmentor, views: RefitView[], opts: RefitOptions): RefitLosses {
  const head = globalHeadOf(model);
  const L = model.config.numClasses;
  let ce = 0;
  let cls = 0;
  let hits = 0;
  const sum = new Float64Array(L);
  const sumSq = new Float64Array(L);
  const chunk = 64;
  for (let start = 0; start < views.length; start += chunk) {
    const part = views.slice(start, start + chunk);
    const [ceT, clsT, global] = tf.tidy(() => {
      const g = head.classify(stackSummaries(part), { training: false });
      const t = batchLoss(part, g, opts);
      return [t.ce, t.cls, g];
    });
    const scores = global.dataSync();
    ce += ceT.dataSync()[0] * part.length;
    cls += clsT.dataSync()[0] * part.length;
    tf.dispose([ceT, clsT, global]);
    part.forEach((v, b) => {
      for (let l = 0; l < L; l++) {
        const g = scores[b * L + l];
        if (g > 0 === v.presence[l] > 0.5) hits++;
        sum[l] += g;
        sumSq[l] += g * g;
      }
    });
  }
  let spread = 0;
  for (let l = 0; l < L; l++) {
    const mean = sum[l] / views.length;
    spread += Math.sqrt(Math.max(0, sumSq[l] / views.length - mean * mean)) / L;
  }
  ce /= views.length;
  cls /= views.length;
  return { ce, cls, total: ce + opts.clsLossWeight * cls, presenceAccuracy: hits / (views.length * L), globalSpread: spread };
}

/**
 * Trains the clsNet layers of `model` on cached views by SGD with momentum
 * (poly learning rate, dropout on); every other weight stays as it is.
 * Returns the losses over all views before and after.
 */
export function refitGlobalHead(model: GuidedSegmentor, views: RefitView[], opts: RefitOptions): { initial: RefitLosses; final: RefitLosses } {
  const head = globalHeadOf(model);
  if (views.length === 0) throw new Error('no views to refit the global branch on');
  if (!(opts.epochs >= 1 && opts.batchSize >= 1)) throw new Error('refit: epochs and batch size must be at least 1');
  const variables = model.namedTrainableVariables().filter(([name]) => name.startsWith('clsHead.'));
  const optimizer = new MomentumSgd({ momentum: opts.momentum, weightDecay: opts.weightDecay });
  const rng = new Rng(opts.seed);
  const initial = refitLosses(model, views, opts);
  const stepsPerEpoch = Math.ceil(views.length / opts.batchSize);
  const totalSteps = opts.epochs * stepsPerEpoch;
  const order = views.map((_, i) => i);
  let step = 0;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      rng.shuffle(order);
      for (let s = 0; s < stepsPerEpoch; s++) {
        const batch = order.slice(s * opts.batchSize, (s + 1) * opts.batchSize).map((i) => views[i]);
        const summaries = stackSummaries(batch);
        const { value, grads } = tf.variableGrads(() => {
          const global = head.classify(summaries, { training: true, rng });
          return batchLoss(batch, global, opts).total;
        }, variables.map(([, v]) => v));
        summaries.dispose();
        const loss = value.dataSync()[0];
        value.dispose();
        const byName: Record<string, tf.Tensor> = {};
        for (const [name, v] of variables) byName[name] = grads[v.name];
        try {
          if (!Number.isFinite(loss)) throw new Error(`refit loss is ${loss}: lower the learning rate`);
          optimizer.step(variables, byName, polyLearningRate(opts.lr, step++, totalSteps, opts.lrPower));
        } finally {
          tf.dispose(Object.values(grads));
        }
      }
      if (opts.onEpoch) opts.onEpoch(epoch, refitLosses(model, views, opts));
    }
  } finally {
    optimizer.dispose();
  }
  const final = refitLosses(model, views, opts);
  // A step too large kills every hidden unit of the ReLU layers: g becomes one constant vector, a class prior.
  if (final.globalSpread < COLLAPSED_SPREAD && initial.globalSpread >= COLLAPSED_SPREAD) {
    throw new Error(
      `the refit made g the same for every view (spread ${initial.globalSpread.toExponential(2)} → ${final.globalSpread.toExponential(2)}): ` +
        `the learning rate ${opts.lr} is too high; lower it (refit-cls --lr, train.globalRefit.baseLr)`,
    );
  }
  return { initial, final };
}

/** The refit's own settings (`train.globalRefit`). */
export type GlobalRefitSettings = NonNullable<TrainConfig['globalRefit']>;

/** What a refit records with the model (`userDefinedMetadata.globalRefit`). */
export interface GlobalRefitRecord {
  data: string;
  views: number;
  scales: number[];
  flip: boolean;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Whether the cross-entropy was class-weighted. */
  classWeights: boolean;
  /** β of the joint loss in the refit. */
  clsLossWeight?: number;
  /** True when the global branch was added to a baseline just before (trained after the dense network). */
  addedBranch?: boolean;
  before: RefitLosses;
  after: RefitLosses;
}

/**
 * The whole refit: collects the views of `dataset` (or takes `hooks.views`,
 * collected before with the same scales), trains clsNet on them with the
 * training's momentum, weight decay, poly exponent, β and (if asked) class weights, and returns the
 * record to store with the model.
 */
export async function refitGlobalBranch(
  model: GuidedSegmentor,
  dataset: Dataset,
  settings: GlobalRefitSettings,
  training: Pick<RefitOptions, 'momentum' | 'weightDecay' | 'lrPower' | 'clsLossWeight' | 'classWeights' | 'seed'>,
  hooks: { limit?: number; views?: RefitView[]; onEpoch?: RefitOptions['onEpoch'] } = {},
): Promise<GlobalRefitRecord> {
  const { scales, flip, epochs, batchSize, baseLr } = settings;
  const views = hooks.views ?? (await collectRefitViews(model, dataset, { scales, flip, limit: hooks.limit }));
  const { initial, final } = refitGlobalHead(model, views, { ...training, epochs, batchSize, lr: baseLr, onEpoch: hooks.onEpoch });
  const count = Math.min(dataset.length, hooks.limit ?? Infinity);
  return {
    data: `${dataset.type}/${dataset.split}${count < dataset.length ? `, first ${count} images` : ''}`,
    views: views.length,
    scales,
    flip,
    epochs,
    batchSize,
    lr: baseLr,
    classWeights: settings.classWeights,
    clsLossWeight: training.clsLossWeight,
    before: initial,
    after: final,
  };
}
