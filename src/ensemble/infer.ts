/**
 * Test-time inference: runs the network on candidates of one image (scales ×
 * flips, docs/method.md §3), maps each candidate's unary back to the original size
 * and combines them. The output is plain typed arrays for the CRF and metrics.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Segmentor } from '../model/types';
import type { CandidateMaps } from './combine';
import { candidateList, checkCandidateInput, scaledSize, type EnsembleOptions } from './candidates';

/** `input` [1, H, W, 3] resized by `scale` (to round(H·scale) × round(W·scale), at least 1), as every candidate is made. */
export function scaledInput(input: tf.Tensor4D, scale: number): tf.Tensor4D {
  if (scale === 1) return input;
  const [, height, width] = input.shape;
  return tf.image.resizeBilinear(input, scaledSize(height, width, scale));
}

/** Unary maps of every candidate, each at the original size: [candidates, H, W, L]. */
export function candidateUnaries(
  model: Segmentor,
  image: Uint8Array,
  height: number,
  width: number,
  opts: Pick<EnsembleOptions, 'scales' | 'flip'>,
): { unaries: tf.Tensor4D; global: tf.Tensor2D | null } {
  checkCandidateInput(image, height, width, model.config.numClasses, opts);
  const result = tf.tidy(() => {
    const input = tf.tensor4d(Float32Array.from(image), [1, height, width, 3]);
    const unaries: tf.Tensor4D[] = [];
    const globals: tf.Tensor2D[] = [];
    for (const scale of opts.scales) {
      const scaled = scaledInput(input, scale);
      for (const flipped of opts.flip ? [false, true] : [false]) {
        const candidate = flipped ? tf.reverse(scaled, 2) : scaled;
        const out = model.forward(candidate as tf.Tensor4D, { training: false });
        let unary = model.unary(out, height, width);
        if (flipped) unary = tf.reverse(unary, 2);
        unaries.push(unary);
        if (out.global) globals.push(out.global);
      }
    }
    const stacked = tf.concat(unaries, 0) as tf.Tensor4D;
    return globals.length ? { unaries: stacked, global: tf.concat(globals, 0) } : { unaries: stacked };
  }) as { unaries: tf.Tensor4D; global?: tf.Tensor2D };
  return { unaries: result.unaries, global: result.global ?? null };
}

/** Runs the network once per candidate and returns the maps as typed arrays. */
export function candidateMaps(
  model: Segmentor,
  image: Uint8Array,
  height: number,
  width: number,
  opts: Pick<EnsembleOptions, 'scales' | 'flip'>,
): CandidateMaps {
  const { unaries, global } = candidateUnaries(model, image, height, width, opts);
  try {
    return {
      height,
      width,
      numClasses: unaries.shape[3],
      candidates: candidateList(opts),
      unaries: unaries.dataSync() as Float32Array,
      globals: global ? (global.dataSync() as Float32Array) : null,
    };
  } finally {
    unaries.dispose();
    global?.dispose();
  }
}
