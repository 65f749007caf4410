/** Layout helpers of the convolution gradients. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Interleaves sh×sw phase images [B, Hq, Wq, C] (row-major in phase (rh, rw))
 * into one [B, Hq·sh, Wq·sw, C] image: out[b, a·sh + rh, c·sw + rw] = phases[rh·sw + rw][b, a, c].
 * Done as two low-rank transposes, which run much faster than one 6-D one.
 */
export function interleavePhases(phases: tf.Tensor4D[], sh: number, sw: number): tf.Tensor4D {
  if (phases.length !== sh * sw) throw new Error(`interleavePhases: need ${sh * sw} phases, got ${phases.length}`);
  if (phases.length === 1) return phases[0].clone();
  const [b, hq, wq, c] = phases[0].shape;
  return tf.tidy(() => {
    const stacked = tf.reshape(tf.stack(phases), [sh, sw, b * hq * wq, c]);
    // Columns first: [sh, (b, hq, wq), sw, c] is each phase row with its columns interleaved.
    const cols = sw === 1 ? stacked : tf.transpose(stacked, [0, 2, 1, 3]);
    // Then rows: [(b, hq), sh, (wq, sw, c)].
    const rows = sh === 1 ? cols : tf.transpose(tf.reshape(cols, [sh, b * hq, wq * sw * c]), [1, 0, 2]);
    return tf.reshape(rows, [b, hq * sh, wq * sw, c]) as tf.Tensor4D;
  });
}
