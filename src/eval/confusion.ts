/**
 * Confusion matrix accumulated over a whole split: rows are ground-truth
 * classes, columns predicted classes, ignore pixels excluded.
 */
import { IGNORE_INDEX } from '../data/types';

/** Serialized form of a {@link ConfusionMatrix} (row-major counts). */
export interface ConfusionMatrixJSON {
  numClasses: number;
  counts: number[];
}

/** Pixel counts `counts[label * numClasses + pred]`, kept in float64 so no split overflows. */
export class ConfusionMatrix {
  readonly numClasses: number;
  readonly counts: Float64Array;

  constructor(numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses <= 0) {
      throw new Error(`ConfusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
    }
    this.numClasses = numClasses;
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /**
   * Adds one prediction/label pair of maps (same length). Pixels whose label is
   * `ignoreIndex` are skipped; any other label or prediction outside
   * `0..numClasses-1` throws, naming the value.
   */
  update(pred: Uint8Array | Int32Array, label: Uint8Array, ignoreIndex: number = IGNORE_INDEX): void {
    if (pred.length !== label.length) {
      throw new Error(`ConfusionMatrix.update: prediction has ${pred.length} pixels, label has ${label.length}`);
    }
    const n = this.numClasses;
    // Counting into an Int32 scratch per call is faster than float64 increments; one
    // image never exceeds 2^31 pixels.
    const local = new Int32Array(n * n);
    for (let i = 0; i < label.length; i++) {
      const t = label[i];
      if (t === ignoreIndex) continue;
      const p = pred[i];
      if (t >= n) {
        throw new Error(`ConfusionMatrix.update: label value ${t} at pixel ${i} is not a class id (0..${n - 1}) nor ignore (${ignoreIndex})`);
      }
      if (p < 0 || p >= n) {
        throw new Error(`ConfusionMatrix.update: predicted value ${p} at pixel ${i} is not a class id (0..${n - 1})`);
      }
      local[t * n + p]++;
    }
    for (let k = 0; k < local.length; k++) this.counts[k] += local[k];
  }

  /** Adds another matrix's counts (e.g. from another worker) into this one. */
  merge(other: ConfusionMatrix): this {
    if (other.numClasses !== this.numClasses) {
      throw new Error(`ConfusionMatrix.merge: ${other.numClasses} classes vs ${this.numClasses}`);
    }
    for (let k = 0; k < this.counts.length; k++) this.counts[k] += other.counts[k];
    return this;
  }

  /** Number of counted (non-ignored) pixels. */
  total(): number {
    let s = 0;
    for (let k = 0; k < this.counts.length; k++) s += this.counts[k];
    return s;
  }

  /** Count of pixels with ground truth `label` predicted as `pred`. */
  get(label: number, pred: number): number {
    return this.counts[label * this.numClasses + pred];
  }

  toJSON(): ConfusionMatrixJSON {
    return { numClasses: this.numClasses, counts: Array.from(this.counts) };
  }

  /** Rebuilds a matrix from {@link toJSON} output; throws on a malformed object. */
  static fromJSON(json: ConfusionMatrixJSON): ConfusionMatrix {
    const cm = new ConfusionMatrix(json.numClasses);
    if (!Array.isArray(json.counts) || json.counts.length !== cm.counts.length) {
      throw new Error(`ConfusionMatrix.fromJSON: expected ${cm.counts.length} counts for ${json.numClasses} classes`);
    }
    for (let k = 0; k < cm.counts.length; k++) {
      const v = json.counts[k];
      if (typeof v !== 'number' || !(v >= 0)) throw new Error(`ConfusionMatrix.fromJSON: count ${k} is ${v}`);
      cm.counts[k] = v;
    }
    return cm;
  }
}
