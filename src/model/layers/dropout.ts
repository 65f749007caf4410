/** Dropout whose mask is seeded from the forward context. */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../module';

/**
 * Inverted dropout: in training, zeroes each value with probability `rate`
 * and scales the rest by 1/(1-rate); identity at inference. The mask's seed is
 * drawn from `ctx.rng` when given, so a training step is reproducible.
 */
export class Dropout {
  /** @param rate probability of dropping a value, in [0, 1) */
  constructor(readonly rate: number) {
    if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  }

  /** Applies dropout to `x` (returns `x` itself when inactive). */
  forward<T extends tf.Tensor>(x: T, ctx: ForwardContext): T {
    if (!ctx.training || this.rate === 0) return x;
    const seed = ctx.rng ? ctx.rng.nextUint32() : undefined;
    return tf.dropout(x, this.rate, undefined, seed) as T;
  }
}
