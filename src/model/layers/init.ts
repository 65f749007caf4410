/**
 * Weight initializers drawing from the project's seedable `Rng`, so one seed
 * always gives the same weights whatever the backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';

/**
 * How a layer's weight is initialized:
 * - `he`: normal with std sqrt(2 / fanIn) (He et al., for layers followed by ReLU);
 * - `{ std }`: normal with the given std (e.g. 0.01 for classifier layers).
 */
export type WeightInit = 'he' | { std: number };

/** A float32 tensor of `shape` with normal entries of standard deviation `std`. */
export function normalTensor(rng: Rng, shape: number[], std: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.normal() * std;
  return tf.tensor(values, shape, 'float32');
}

/** The weight tensor of `shape` for an initializer, given the layer's fan-in. */
export function initWeight(rng: Rng, shape: number[], fanIn: number, init: WeightInit = 'he'): tf.Tensor {
  const std = init === 'he' ? Math.sqrt(2 / fanIn) : init.std;
  return normalTensor(rng, shape, std);
}
