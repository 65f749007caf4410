/**
 * Layout helpers that keep data movement cheap on the wasm backend, whose
 * Slice kernel copies one innermost row at a time.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.slice` that first merges the trailing axes that are taken whole, so the
 * copy runs over long contiguous rows (a 4-D crop becomes a 3-D slice with
 * rows of width·channels).
 */
export function sliceMerged<T extends tf.Tensor>(x: T, begin: number[], size: number[]): T {
  const shape = x.shape;
  const rank = shape.length;
  const sz = size.map((v, i) => (v < 0 ? shape[i] - begin[i] : v));
  if (sz.every((v, i) => v === shape[i])) return x.clone();
  // Last axis that is actually cut; everything after it is merged into it.
  let last = rank - 1;
  while (last > 0 && sz[last] === shape[last] && begin[last] === 0) last--;
  if (last === rank - 1) return tf.slice(x, begin, sz);
  const inner = shape.slice(last + 1).reduce((a, b) => a * b, 1);
  const mergedShape = [...shape.slice(0, last), shape[last] * inner];
  const mergedBegin = [...begin.slice(0, last), begin[last] * inner];
  const mergedSize = [...sz.slice(0, last), sz[last] * inner];
  return tf.tidy(() => tf.reshape(tf.slice(tf.reshape(x, mergedShape), mergedBegin, mergedSize), sz)) as T;
}

/**
 * Interleaves sh×sw phase images [B, Hq, Wq, C] (row-major in phase (rh, rw))
 * into one [B, Hq·sh, Wq·sw, C] image: out[b, a·sh + rh, c·sw + rw] = phases[rh·sw + rw][b, a, c].
 */
export function interleavePhases(phases: tf.Tensor4D[], sh: number, sw: number): tf.Tensor4D {
  if (phases.length !== sh * sw) throw new Error(`interleavePhases: need ${sh * sw} phases, got ${phases.length}`);
  if (phases.length === 1) return phases[0].clone();
  const [b, hq, wq, c] = phases[0].shape;
  return tf.tidy(() => {
    const stacked = tf.reshape(tf.stack(phases), [sh, sw, b, hq, wq, c]);
    return tf.reshape(tf.transpose(stacked, [2, 3, 0, 4, 1, 5]), [b, hq * sh, wq * sw, c]) as tf.Tensor4D;
  });
}
