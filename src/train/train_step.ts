/**
 * One SGD step of the joint model: forward, joint loss, backward, update.
 * Returns the loss terms as numbers; creates no lasting tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch as LoaderBatch } from '../data/loader';
import type { Segmentor } from '../model/types';
import { mixSeed, type Rng } from '../util/rng';
import { jointLoss } from './loss';
import type { MomentumSgd } from './sgd';

/** The parts of a loader batch a step uses (NHWC RGB 0..255 images, class-id labels). */
export type Batch = Pick<LoaderBatch, 'batchSize' | 'height' | 'width' | 'images' | 'labels'>;

/** Loss values of one step, by term. */
export interface StepLosses {
  total: number;
  ce: number;
  cls?: number;
}

export interface StepOptions {
  lr: number;
  clsLossWeight: number;
  /** Dropout seeds for this step. */
  rng: Rng;
  /** One dropout seed per sample (see ForwardContext.sampleSeeds): the same masks whatever the worker count. */
  sampleSeeds?: readonly number[];
  /** Per-class weights of the cross-entropy (none: every pixel counts once). */
  classWeights?: Float32Array;
  /**
   * Scales of the CE and BCE terms (default 1 and 1). A shard of a larger
   * batch weighs each term by its share, so that the shards' losses and
   * gradients sum to those of the whole batch (data-parallel training).
   */
  termWeights?: { ce: number; cls: number };
}

/** Dropout seeds of the samples at batch positions [offset, offset + count) of a step seeded `base`. */
export function sampleSeeds(base: number, offset: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => mixSeed(base, offset + k));
}

/** Gradients of the joint loss w.r.t. every trainable variable, by module name. */
export function computeGradients(
  model: Segmentor,
  batch: Batch,
  opts: Omit<StepOptions, 'lr'>,
): { losses: StepLosses; grads: Record<string, tf.Tensor> } {
  const named = model.namedTrainableVariables();
  const images = tf.tensor4d(batch.images, [batch.batchSize, batch.height, batch.width, 3]);
  let ce: tf.Scalar | undefined;
  let cls: tf.Scalar | null = null;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(images, { training: true, rng: opts.rng, sampleSeeds: opts.sampleSeeds });
      const unary = model.unary(out, batch.height, batch.width);
      const terms = jointLoss(unary, out.global, batch.labels, opts.clsLossWeight, opts.classWeights);
      const w = opts.termWeights;
      if (!w) {
        ce = tf.keep(terms.ce);
        cls = terms.cls ? tf.keep(terms.cls) : null;
        return terms.total;
      }
      ce = tf.keep(tf.mul(terms.ce, w.ce) as tf.Scalar);
      cls = terms.cls ? tf.keep(tf.mul(terms.cls, w.cls) as tf.Scalar) : null;
      return cls ? tf.add(ce!, tf.mul(cls, opts.clsLossWeight)) : ce!;
    }, named.map(([, v]) => v));
    const losses: StepLosses = { total: value.dataSync()[0], ce: ce!.dataSync()[0] };
    if (cls) losses.cls = (cls as tf.Scalar).dataSync()[0];
    value.dispose();
    // variableGrads keys by tfjs's internal variable names; map back to module names.
    const byName: Record<string, tf.Tensor> = {};
    for (const [name, variable] of named) byName[name] = grads[variable.name];
    return { losses, grads: byName };
  } finally {
    images.dispose();
    ce?.dispose();
    (cls as tf.Scalar | null)?.dispose();
  }
}

/** Forward + backward + momentum update; returns the loss terms. */
export function trainStep(model: Segmentor, optimizer: MomentumSgd, batch: Batch, opts: StepOptions): StepLosses {
  const { losses, grads } = computeGradients(model, batch, opts);
  try {
    if (!Number.isFinite(losses.total)) throw new Error(`loss is ${losses.total}: training diverged (lower the learning rate)`);
    optimizer.step(model.namedTrainableVariables(), grads, opts.lr);
  } finally {
    for (const g of Object.values(grads)) g.dispose();
  }
  return losses;
}
