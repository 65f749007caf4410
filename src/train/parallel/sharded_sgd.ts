/**
 * The optimizer update of data-parallel training, split among the workers:
 * worker r sums the workers' gradient slots over its range of the flat
 * parameter vector and applies momentum SGD there, in float32 steps that
 * mirror `MomentumSgd` (g ← ∇ + wd·w; v ← m·v + g; w ← w − lr·k·v, k the
 * variable's learning-rate multiplier). Together the ranges cover every
 * weight once, so there is one optimizer state.
 */
import { lrMultiplier, type LrMultipliers } from '../lr_mult';
import type { SgdOptions } from '../sgd';
import type { SharedTrainingState, VariableSlot } from './shared_state';

const f32 = Math.fround;

/** A stretch [start, end) of the flat trainable vector whose variables share learning-rate multiplier `factor`. */
export interface RateSegment {
  start: number;
  end: number;
  factor: number;
}

/** The half-open range [lo, hi) of `size` values that worker `rank` of `workers` updates. */
export function shardRange(size: number, rank: number, workers: number): [number, number] {
  return [Math.floor((size * rank) / workers), Math.floor((size * (rank + 1)) / workers)];
}

/** The rate segments of the trainable `slots` (in layout order), neighbours with equal factors merged. */
export function rateSegments(slots: readonly VariableSlot[], lrMult: LrMultipliers | undefined): RateSegment[] {
  const out: RateSegment[] = [];
  for (const s of slots) {
    const factor = lrMultiplier(s.name, lrMult);
    const last = out[out.length - 1];
    if (last && last.factor === factor && last.end === s.offset) last.end = s.offset + s.size;
    else out.push({ start: s.offset, end: s.offset + s.size, factor });
  }
  return out;
}

/**
 * Sums the gradient slots of all workers over [lo, hi) and applies one
 * momentum SGD step there to `state.weights` and `state.momentum`.
 *
 * @param trainableSize length of the trainable part of the flat vector
 * @param workers number of gradient slots
 * @param segments learning-rate multipliers over the vector (default: 1 everywhere)
 */
export function sgdUpdateRange(
  state: SharedTrainingState,
  trainableSize: number,
  workers: number,
  [lo, hi]: [number, number],
  lr: number,
  options: SgdOptions,
  segments: readonly RateSegment[] = [{ start: 0, end: trainableSize, factor: 1 }],
): void {
  for (const seg of segments) {
    const [a, b] = [Math.max(lo, seg.start), Math.min(hi, seg.end)];
    // lr·k in float64, then rounded once, as MomentumSgd's scalar is.
    if (a < b) updateStretch(state, trainableSize, workers, a, b, f32(lr * seg.factor), options);
  }
}

function updateStretch(
  state: SharedTrainingState,
  trainableSize: number,
  workers: number,
  lo: number,
  hi: number,
  rate: number,
  options: SgdOptions,
): void {
  const { weights, momentum, grads } = state;
  const decay = f32(options.weightDecay);
  const mom = f32(options.momentum);
  // Branch-free: w·0 and v·0 add exact zeros, so weight decay 0 and momentum 0 need no special case.
  // Two workers (the common case) get a loop without an inner one, about twice as fast.
  if (workers === 2) {
    const second = grads.subarray(trainableSize, 2 * trainableSize);
    for (let i = lo; i < hi; i++) {
      const w = weights[i];
      const v = f32(f32(momentum[i] * mom) + f32(f32(grads[i] + second[i]) + f32(w * decay)));
      momentum[i] = v;
      weights[i] = f32(w - f32(v * rate));
    }
    return;
  }
  for (let i = lo; i < hi; i++) {
    let g = 0;
    for (let k = 0; k < workers; k++) g += grads[k * trainableSize + i];
    const w = weights[i];
    const v = f32(f32(momentum[i] * mom) + f32(f32(g) + f32(w * decay)));
    momentum[i] = v;
    weights[i] = f32(w - f32(v * rate));
  }
}

/**
 * Sets the buffer part of `state.weights` (BatchNorm running statistics) to
 * the average of the workers' values, worker k weighted by `shares[k]`
 * (its share of the batch). The running-average update is linear in the
 * batch statistics, so this equals the update over the whole batch.
 */
export function averageBuffers(state: SharedTrainingState, trainableSize: number, bufferSize: number, shares: readonly number[]): void {
  const { weights, buffers } = state;
  for (let i = 0; i < bufferSize; i++) {
    let s = 0;
    for (let k = 0; k < shares.length; k++) s += shares[k] * buffers[k * bufferSize + i];
    weights[trainableSize + i] = s;
  }
}
