/** Dropout whose mask is seeded from the forward context. */
import * as tf from '@tensorflow/tfjs-core';
import { mixSeed } from '../../util/rng';
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
    if (ctx.sampleSeeds) return this.perSample(x, ctx, ctx.sampleSeeds);
    const seed = ctx.rng ? ctx.rng.nextUint32() : undefined;
    return tf.dropout(x, this.rate, undefined, seed) as T;
  }

  /** Inverted dropout with sample b's mask drawn from its own seed (mixed with this call's index in the forward pass). */
  private perSample<T extends tf.Tensor>(x: T, ctx: ForwardContext, seeds: readonly number[]): T {
    const n = x.shape[0];
    if (seeds.length !== n) throw new Error(`dropout: ${seeds.length} sample seeds for a batch of ${n}`);
    const call = CALLS.get(ctx) ?? 0;
    CALLS.set(ctx, call + 1);
    const keep = 1 - this.rate;
    return tf.tidy(() => {
      const masks = seeds.map((s) => tf.floor(tf.add(tf.randomUniform(x.shape.slice(1), 0, 1, 'float32', mixSeed(s, call)), keep)));
      return tf.div(tf.mul(x, tf.stack(masks)), keep) as T;
    });
  }
}

/** Dropout calls so far in each forward pass (its context), so every layer draws its own masks. */
const CALLS = new WeakMap<ForwardContext, number>();
