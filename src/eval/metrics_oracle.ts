/**
 * Turning score maps into label maps, and the "+ground truth label" oracle of
 * docs/method.md §4 that keeps only the classes present in the ground truth.
 */
import { IGNORE_INDEX } from '../data/types';

/**
 * Per-pixel argmax of scores laid out `[pixels, L]` (class fastest). Ties go to
 * the lowest class id; NaN scores never win unless all are NaN (then class 0).
 */
export function argmax(scores: Float32Array | Float64Array, L: number, out?: Uint8Array): Uint8Array {
  if (L <= 0 || L > 256) throw new Error(`argmax: number of classes must be 1..256, got ${L}`);
  if (scores.length % L !== 0) throw new Error(`argmax: ${scores.length} scores is not a multiple of ${L} classes`);
  const n = scores.length / L;
  const labels = out ?? new Uint8Array(n);
  if (labels.length !== n) throw new Error(`argmax: output has ${labels.length} pixels, expected ${n}`);
  for (let i = 0, o = 0; i < n; i++, o += L) {
    let best = 0;
    let bestV = scores[o];
    for (let l = 1; l < L; l++) {
      const v = scores[o + l];
      if (v > bestV || (bestV !== bestV && v === v)) {
        bestV = v;
        best = l;
      }
    }
    labels[i] = best;
  }
  return labels;
}

/** Which classes `0..L-1` occur in a label map (ignore pixels skipped). */
export function presentClasses(label: Uint8Array, L: number, ignoreIndex: number = IGNORE_INDEX): boolean[] {
  const present = new Array<boolean>(L).fill(false);
  for (let i = 0; i < label.length; i++) {
    const t = label[i];
    if (t === ignoreIndex) continue;
    if (t >= L) throw new Error(`presentClasses: label value ${t} at pixel ${i} is not a class id (0..${L - 1})`);
    present[t] = true;
  }
  return present;
}

/**
 * Oracle restriction: sets the scores of classes not in `present` to -Infinity
 * (in place) so that argmax can only pick present classes. With no class present
 * (all-ignore label) the scores are left unchanged.
 */
export function restrictToClasses(scores: Float32Array | Float64Array, L: number, present: readonly boolean[]): void {
  if (present.length !== L) throw new Error(`restrictToClasses: ${present.length} flags for ${L} classes`);
  if (scores.length % L !== 0) throw new Error(`restrictToClasses: ${scores.length} scores is not a multiple of ${L}`);
  const absent: number[] = [];
  for (let l = 0; l < L; l++) if (!present[l]) absent.push(l);
  if (absent.length === L || absent.length === 0) return;
  for (let o = 0; o < scores.length; o += L) {
    for (const l of absent) scores[o + l] = -Infinity;
  }
}
