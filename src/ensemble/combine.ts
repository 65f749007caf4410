/**
 * Combination of cached candidate maps in plain typed arrays (docs/method.md §3), so
 * one network pass per image can feed every combination rule (ablation, fitting).
 * The one place the combination rules live: inference combines with them too.
 */

/** How candidates are combined (docs/method.md §3). `learned` needs weights. */
export type CombineMode = 'avg' | 'max' | 'avgmax' | 'learned';

/** One candidate of the ensemble: a resize factor and whether the image is mirrored. */
export interface Candidate {
  scale: number;
  flipped: boolean;
}

/** Every candidate's unary and global scores of one image, as typed arrays (for caching). */
export interface CandidateMaps {
  height: number;
  width: number;
  numClasses: number;
  candidates: Candidate[];
  /** [candidates, H, W, L], classes fastest. */
  unaries: Float32Array;
  /** [candidates, L]; null for the baseline. */
  globals: Float32Array | null;
}


/**
 * Combines candidate unaries laid out [N, P, L] (P pixels, classes fastest)
 * into one [P, L] map. `learned` needs `weights` [N × L] (one vector per candidate).
 */
export function combineCandidateArrays(
  unaries: Float32Array,
  count: number,
  numClasses: number,
  mode: CombineMode,
  weights?: ArrayLike<number>,
): Float32Array {
  if (!Number.isInteger(count) || count < 1 || unaries.length % (count * numClasses) !== 0) {
    throw new Error(`combineCandidateArrays: ${unaries.length} values are not ${count} candidates × pixels × ${numClasses} classes`);
  }
  const per = unaries.length / count;
  const out = new Float32Array(per);
  if (mode === 'learned') {
    if (!weights || weights.length !== count * numClasses) {
      throw new Error(`learned combination needs ${count}×${numClasses} weights, got ${weights?.length ?? 0}`);
    }
    for (let k = 0; k < count; k++) {
      const base = k * per;
      const wk = k * numClasses;
      for (let i = 0; i < per; i += numClasses) {
        for (let l = 0; l < numClasses; l++) out[i + l] += weights[wk + l] * unaries[base + i + l];
      }
    }
    return out;
  }
  const wantMean = mode === 'avg' || mode === 'avgmax';
  const wantMax = mode === 'max' || mode === 'avgmax';
  const max = wantMax ? unaries.slice(0, per) : null;
  const sum = wantMean ? new Float64Array(per) : null;
  for (let k = 0; k < count; k++) {
    const base = k * per;
    for (let i = 0; i < per; i++) {
      const v = unaries[base + i];
      if (sum) sum[i] += v;
      if (max && v > max[i]) max[i] = v;
    }
  }
  for (let i = 0; i < per; i++) {
    const mean = sum ? sum[i] / count : 0;
    out[i] = mode === 'avg' ? mean : mode === 'max' ? max![i] : (mean + max![i]) / 2;
  }
  return out;
}

/** Combines the maps of one image; `learned` uses `weights` [N × L]. */
export function combineMaps(maps: CandidateMaps, mode: CombineMode, weights?: ArrayLike<number>): Float32Array {
  return combineCandidateArrays(maps.unaries, maps.candidates.length, maps.numClasses, mode, weights);
}

/** Mean of the candidates' global scores (null for a baseline model). */
export function meanGlobalScores(maps: CandidateMaps): Float32Array | null {
  if (!maps.globals) return null;
  const L = maps.numClasses;
  const n = maps.candidates.length;
  const out = new Float32Array(L);
  for (let l = 0; l < L; l++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += maps.globals[k * L + l];
    out[l] = s / n;
  }
  return out;
}

/** Index of the plain candidate (scale 1, not flipped), or -1 when the ensemble has none. */
export function identityCandidate(maps: Pick<CandidateMaps, 'candidates'>): number {
  return maps.candidates.findIndex((c) => c.scale === 1 && !c.flipped);
}

/** The maps of candidate `k` alone (a view, not a copy), as a one-candidate ensemble. */
export function singleCandidate(maps: CandidateMaps, k: number): CandidateMaps {
  const L = maps.numClasses;
  const per = maps.height * maps.width * L;
  if (k < 0 || k >= maps.candidates.length) throw new Error(`singleCandidate: no candidate ${k}`);
  return {
    ...maps,
    candidates: [maps.candidates[k]],
    unaries: maps.unaries.subarray(k * per, (k + 1) * per),
    globals: maps.globals ? maps.globals.subarray(k * L, (k + 1) * L) : null,
  };
}
