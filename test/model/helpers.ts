/** Shared fixtures of the model tests: tiny configs and plain-TS references. */
import { ModelConfig } from '../../src/model/model_config';
import { modelPreset } from '../../src/model/presets';
import { Rng } from '../../src/util/rng';

/** A preset at width 0.125 with 16-wide heads: same layout, fast on the cpu backend. */
export function tinyConfig(preset: 'bench-vgg' | 'bench-resnet', overrides: Record<string, unknown> = {}): ModelConfig {
  return modelPreset(preset, {
    backbone: { width: 0.125 },
    denseHead: { channels: 16 },
    clsHead: { hidden: 16 },
    ...overrides,
  });
}

/** Uniform random values in [lo, hi). */
export function randomArray(rng: Rng, size: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform(lo, hi);
  return out;
}

/** Largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
