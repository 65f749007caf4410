/**
 * "Learn to combine" (docs/method.md §3): per-candidate, per-class weights λ_i ∈ R^L
 * with ŝ = Σ_i λ_i ⊙ s_i, fitted offline on cached candidate maps (network
 * frozen) by minimizing the mean cross-entropy of softmax(ŝ) over labelled
 * pixels (ignore 255 excluded). ŝ is linear in λ, so the loss is convex in λ;
 * it is minimized by L-BFGS with a backtracking (Armijo) line search, which never
 * increases the loss. Plain TypeScript, float64.
 */
import { IGNORE_INDEX } from '../data/types';
import { Rng } from '../util/rng';
import type { CandidateMaps } from './combine';

/** Labelled pixels with the scores of every candidate, the training data of the weights. */
export interface CombineTrainingSet {
  /** Candidates N. */
  count: number;
  numClasses: number;
  /** Scores [P, N, L] (pixel-major, then candidate, classes fastest). */
  scores: Float32Array;
  /** Class of each pixel, P values (no ignore pixels). */
  labels: Uint8Array;
}

/** Weights [N × L] all equal to 1/N: the learned combination then equals `avg`. */
export function uniformCombineWeights(count: number, numClasses: number): Float32Array {
  return new Float32Array(count * numClasses).fill(1 / count);
}

/**
 * Collects up to `pixelsPerImage` random labelled pixels of each image's
 * candidate maps (the loss is a mean over pixels, so a random subset estimates
 * it; whole CamVid maps would need ~45 MB per image).
 */
export class CombineSampleCollector {
  private readonly chunks: Float32Array[] = [];
  private readonly labelChunks: Uint8Array[] = [];
  private readonly rng: Rng;
  count = -1;
  numClasses = -1;

  constructor(
    private readonly pixelsPerImage: number,
    seed = 0,
  ) {
    if (!Number.isInteger(pixelsPerImage) || pixelsPerImage < 1) {
      throw new Error(`CombineSampleCollector: pixelsPerImage must be a positive integer, got ${pixelsPerImage}`);
    }
    this.rng = new Rng(seed);
  }

  /** Adds the labelled pixels of one image (label at the maps' size). */
  add(maps: CandidateMaps, label: Uint8Array): void {
    const N = maps.candidates.length;
    const L = maps.numClasses;
    const n = maps.height * maps.width;
    if (label.length !== n) throw new Error(`CombineSampleCollector: label has ${label.length} pixels, maps have ${n}`);
    if (this.count < 0) [this.count, this.numClasses] = [N, L];
    if (N !== this.count || L !== this.numClasses) {
      throw new Error(`CombineSampleCollector: ${N} candidates × ${L} classes after ${this.count} × ${this.numClasses}`);
    }
    const labelled: number[] = [];
    for (let i = 0; i < n; i++) if (label[i] !== IGNORE_INDEX) labelled.push(i);
    // Partial Fisher-Yates: the first k entries are a uniform sample without replacement.
    const k = Math.min(this.pixelsPerImage, labelled.length);
    for (let j = 0; j < k; j++) {
      const r = j + this.rng.int(labelled.length - j);
      [labelled[j], labelled[r]] = [labelled[r], labelled[j]];
    }
    const scores = new Float32Array(k * N * L);
    const labels = new Uint8Array(k);
    for (let j = 0; j < k; j++) {
      const p = labelled[j];
      if (label[p] >= L) throw new Error(`CombineSampleCollector: label value ${label[p]} is not a class id (0..${L - 1})`);
      labels[j] = label[p];
      for (let c = 0; c < N; c++) {
        scores.set(maps.unaries.subarray((c * n + p) * L, (c * n + p + 1) * L), (j * N + c) * L);
      }
    }
    this.chunks.push(scores);
    this.labelChunks.push(labels);
  }

  /** The collected pixels as one training set. */
  build(): CombineTrainingSet {
    if (this.count < 0) throw new Error('CombineSampleCollector: no image added');
    const total = this.labelChunks.reduce((s, c) => s + c.length, 0);
    if (total === 0) throw new Error('CombineSampleCollector: the images have no labelled pixel');
    const scores = new Float32Array(total * this.count * this.numClasses);
    const labels = new Uint8Array(total);
    let o = 0;
    this.chunks.forEach((c, i) => {
      scores.set(c, o * this.count * this.numClasses);
      labels.set(this.labelChunks[i], o);
      o += this.labelChunks[i].length;
    });
    return { count: this.count, numClasses: this.numClasses, scores, labels };
  }
}

/**
 * Mean cross-entropy of softmax(Σ_i λ_i ⊙ s_i) over the set, and its gradient
 * ∂L/∂λ_i = mean over pixels of (softmax(ŝ) − onehot(y)) ⊙ s_i, written into `grad`.
 */
export function combineLossAndGradient(set: CombineTrainingSet, weights: ArrayLike<number>, grad?: Float64Array): number {
  const { count: N, numClasses: L, scores, labels } = set;
  if (weights.length !== N * L) throw new Error(`combineLossAndGradient: ${weights.length} weights for ${N}×${L}`);
  if (grad && grad.length !== N * L) throw new Error(`combineLossAndGradient: gradient has ${grad.length} slots for ${N}×${L}`);
  grad?.fill(0);
  const P = labels.length;
  const s = new Float64Array(L);
  let loss = 0;
  for (let p = 0; p < P; p++) {
    const base = p * N * L;
    s.fill(0);
    for (let c = 0; c < N; c++) {
      const o = base + c * L;
      for (let l = 0; l < L; l++) s[l] += weights[c * L + l] * scores[o + l];
    }
    let m = -Infinity;
    for (let l = 0; l < L; l++) if (s[l] > m) m = s[l];
    let z = 0;
    for (let l = 0; l < L; l++) {
      s[l] = Math.exp(s[l] - m);
      z += s[l];
    }
    const y = labels[p];
    loss += Math.log(z) - Math.log(s[y]);
    if (!grad) continue;
    // s becomes ∂CE/∂ŝ = softmax − onehot.
    for (let l = 0; l < L; l++) s[l] /= z;
    s[y] -= 1;
    for (let c = 0; c < N; c++) {
      const o = base + c * L;
      for (let l = 0; l < L; l++) grad[c * L + l] += s[l] * scores[o + l];
    }
  }
  if (grad) for (let k = 0; k < grad.length; k++) grad[k] /= P;
  return loss / P;
}

/** Options of {@link learnCombineWeights}. */
export interface LearnCombineOptions {
  /** Optimizer iterations (L-BFGS steps); default 100. */
  iterations?: number;
  /** Starting weights [N × L]; default 1/N (= avg). */
  init?: ArrayLike<number>;
  /** Stop when the loss improves by less than this (relative); default 1e-7. */
  tolerance?: number;
}

/** Outcome of {@link learnCombineWeights}. */
export interface LearnCombineResult {
  weights: Float32Array;
  /** Mean CE at the start (avg when initialized at 1/N) and at the end. */
  initialLoss: number;
  finalLoss: number;
  iterations: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Fits the combination weights by L-BFGS (memory 8) on the mean cross-entropy. */
export function learnCombineWeights(set: CombineTrainingSet, opts: LearnCombineOptions = {}): LearnCombineResult {
  const n = set.count * set.numClasses;
  const maxIter = opts.iterations ?? 100;
  const tol = opts.tolerance ?? 1e-7;
  const x = opts.init ? Float64Array.from(opts.init) : Float64Array.from(uniformCombineWeights(set.count, set.numClasses));
  if (x.length !== n) throw new Error(`learnCombineWeights: ${x.length} initial weights for ${set.count}×${set.numClasses}`);
  const g = new Float64Array(n);
  let f = combineLossAndGradient(set, x, g);
  const initialLoss = f;
  const history: Array<{ s: Float64Array; y: Float64Array; rho: number }> = [];
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    // Two-loop recursion: d = −H·g.
    const d = Float64Array.from(g, (v) => -v);
    const alphas: number[] = [];
    for (let k = history.length - 1; k >= 0; k--) {
      const a = history[k].rho * dot(history[k].s, d);
      alphas.push(a);
      for (let i = 0; i < n; i++) d[i] -= a * history[k].y[i];
    }
    if (history.length) {
      const last = history[history.length - 1];
      const gamma = dot(last.s, last.y) / dot(last.y, last.y);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    } else {
      // First step: a small move along −g (scaled so the step is ~1e-2 per weight).
      const gn = Math.sqrt(dot(g, g)) || 1;
      for (let i = 0; i < n; i++) d[i] *= 1e-2 * Math.sqrt(n) / gn;
    }
    for (let k = 0; k < history.length; k++) {
      const b = history[k].rho * dot(history[k].y, d);
      const a = alphas[history.length - 1 - k];
      for (let i = 0; i < n; i++) d[i] += (a - b) * history[k].s[i];
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (curvature noise): restart from steepest descent.
      history.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i] * 1e-2;
      slope = dot(g, d);
      if (!(slope < 0)) break;
    }
    let step = 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries++, step /= 2) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = combineLossAndGradient(set, xNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
    }
    if (!(fNew < f)) break;
    const sVec = Float64Array.from(xNew, (v, i) => v - x[i]);
    const yVec = Float64Array.from(gNew, (v, i) => v - g[i]);
    const sy = dot(sVec, yVec);
    if (sy > 1e-12) {
      history.push({ s: sVec, y: yVec, rho: 1 / sy });
      if (history.length > 8) history.shift();
    }
    const improvement = (f - fNew) / Math.max(1e-12, Math.abs(f));
    x.set(xNew);
    g.set(gNew);
    f = fNew;
    if (improvement < tol) {
      iter++;
      break;
    }
  }
  return { weights: Float32Array.from(x), initialLoss, finalLoss: f, iterations: iter };
}

/** Fraction of the set's pixels whose argmax of Σ_i λ_i ⊙ s_i is the label. */
export function combinePixelAccuracy(set: CombineTrainingSet, weights: ArrayLike<number>): number {
  const { count: N, numClasses: L, scores, labels } = set;
  if (weights.length !== N * L) throw new Error(`combinePixelAccuracy: ${weights.length} weights for ${N}×${L}`);
  const s = new Float64Array(L);
  let correct = 0;
  for (let p = 0; p < labels.length; p++) {
    s.fill(0);
    for (let c = 0; c < N; c++) {
      const o = (p * N + c) * L;
      for (let l = 0; l < L; l++) s[l] += weights[c * L + l] * scores[o + l];
    }
    let best = 0;
    for (let l = 1; l < L; l++) if (s[l] > s[best]) best = l;
    if (best === labels[p]) correct++;
  }
  return labels.length ? correct / labels.length : NaN;
}
