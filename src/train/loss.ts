/**
 * Joint loss of docs/method.md §1: per-pixel cross-entropy over the fused unary
 * (ignore label excluded) plus β · binary cross-entropy of the global scores
 * against class presence. Terms come back by name so they are logged apart.
 */
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX } from '../data/types';

/** Named loss terms; `total` is what is minimized. */
export interface LossTerms {
  /** Mean per-pixel cross-entropy over non-ignored pixels. */
  ce: tf.Scalar;
  /** Mean binary cross-entropy of sigmoid(g) vs class presence (joint variant only). */
  cls: tf.Scalar | null;
  /** ce + β · cls. */
  total: tf.Scalar;
}

/**
 * Class-presence targets z (docs/method.md §1): z[b, l] = 1 iff class l occurs in
 * sample b's label, ignore pixels excluded.
 */
export function presenceTargets(labels: Uint8Array, batch: number, numClasses: number): Float32Array {
  const perImage = labels.length / batch;
  const z = new Float32Array(batch * numClasses);
  for (let b = 0; b < batch; b++) {
    const base = b * perImage;
    for (let i = 0; i < perImage; i++) {
      const c = labels[base + i];
      if (c !== IGNORE_INDEX) {
        if (c >= numClasses) throw new Error(`label value ${c} out of range 0..${numClasses - 1} (255 = ignore)`);
        z[b * numClasses + c] = 1;
      }
    }
  }
  return z;
}

/**
 * Mean cross-entropy of `logits` [B, H, W, L] against `labels` (B*H*W class
 * ids, 255 = ignore). An all-ignore batch gives 0. With `classWeights`, pixel
 * i counts w[y_i] times and the mean divides by Σ w[y_i] (PyTorch's weighted mean).
 */
export function crossEntropy(logits: tf.Tensor4D, labels: Uint8Array, classWeights?: Float32Array): tf.Scalar {
  const numClasses = logits.shape[3];
  if (labels.length * numClasses !== logits.size) {
    throw new Error(`crossEntropy: ${labels.length} labels for logits of shape [${logits.shape}]`);
  }
  if (classWeights && classWeights.length !== numClasses) {
    throw new Error(`crossEntropy: ${classWeights.length} class weights for ${numClasses} classes`);
  }
  let valid = 0;
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (c === IGNORE_INDEX) continue;
    // oneHot would turn an out-of-range id into a silent all-zero row.
    if (c >= numClasses) throw new Error(`label value ${c} out of range 0..${numClasses - 1} (255 = ignore)`);
    valid += classWeights ? classWeights[c] : 1;
  }
  return tf.tidy(() => {
    // oneHot of the ignore id (>= L) is an all-zero row, which drops those pixels.
    const ids = tf.tensor(Int32Array.from(labels), [labels.length], 'int32');
    // wasm's OneHot writes integer bits into float32 outputs, so build it as int32 and cast.
    const oneHot = tf.cast(tf.oneHot(ids, numClasses), 'float32');
    const targets = classWeights ? tf.mul(oneHot, tf.tensor1d(classWeights)) : oneHot;
    const logProbs = tf.logSoftmax(tf.reshape(logits, [labels.length, numClasses]));
    const sum = tf.neg(tf.sum(tf.mul(targets, logProbs)));
    return tf.div(sum, Math.max(valid, 1)) as tf.Scalar;
  });
}

/** Numerically stable mean BCE with logits: max(x,0) − x·z + log(1 + e^−|x|). */
export function binaryCrossEntropyWithLogits(logits: tf.Tensor2D, targets: Float32Array): tf.Scalar {
  return tf.tidy(() => {
    const z = tf.tensor2d(targets, logits.shape);
    const loss = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, z)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.mean(loss) as tf.Scalar;
  });
}

/**
 * Joint loss: CE(softmax(U), y) + β · BCE(sigmoid(g), z). For the baseline
 * (`global` null) the cls term is absent.
 */
export function jointLoss(
  unary: tf.Tensor4D,
  global: tf.Tensor2D | null,
  labels: Uint8Array,
  clsLossWeight: number,
  classWeights?: Float32Array,
): LossTerms {
  const ce = crossEntropy(unary, labels, classWeights);
  if (!global) return { ce, cls: null, total: ce };
  const [batch, numClasses] = global.shape;
  const cls = binaryCrossEntropyWithLogits(global, presenceTargets(labels, batch, numClasses));
  const total = tf.tidy(() => tf.add(ce, tf.mul(cls, clsLossWeight)) as tf.Scalar);
  return { ce, cls, total };
}

/**
 * Median-frequency class weights (Eigen & Fergus; as SegNet trains CamVid):
 * f_c = pixels of class c / pixels of the images that contain c, and
 * w_c = median(f) / f_c. A class absent from every label gets weight 0.
 *
 * @param counts per class, its pixels and the pixels of the images holding it
 */
export function medianFrequencyWeights(counts: Array<{ pixels: number; imagePixels: number }>): Float32Array {
  const freq = counts.map((c) => (c.imagePixels > 0 ? c.pixels / c.imagePixels : 0));
  const present = freq.filter((f) => f > 0).sort((a, b) => a - b);
  if (present.length === 0) throw new Error('median-frequency weights: no labelled pixel in the split');
  const mid = present.length >> 1;
  const median = present.length % 2 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
  return Float32Array.from(freq, (f) => (f > 0 ? median / f : 0));
}
