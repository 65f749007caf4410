/**
 * What a split holds, from its samples as typed arrays: image sizes, pixels
 * per class, how many images each class appears in, and the class
 * co-occurrence matrix (images in which two classes appear together: the
 * statistic behind the content-sensitive compatibility, docs/method.md §2).
 */
import { IGNORE_INDEX, type Sample } from './types';

/** Statistics of a split. */
export interface DataStats {
  classes: readonly string[];
  /** Samples read without error. */
  images: number;
  /** Distinct image sizes, most frequent first. */
  sizes: Array<{ height: number; width: number; count: number }>;
  /** Labelled pixels per class. */
  classPixels: number[];
  /** Pixels labelled ignore. */
  ignorePixels: number;
  /** Images in which each class appears. */
  presence: number[];
  /** Row-major C×C: images in which classes i and j both appear (diagonal = presence). */
  cooccurrence: number[];
}

/** Accumulates {@link DataStats} sample by sample, in any order. */
export class DataStatsAccumulator {
  private images = 0;
  private readonly sizes = new Map<string, { height: number; width: number; count: number }>();
  private readonly classPixels: Float64Array;
  private ignorePixels = 0;
  private readonly presence: Float64Array;
  private readonly cooccurrence: Float64Array;

  constructor(readonly classes: readonly string[]) {
    const n = classes.length;
    this.classPixels = new Float64Array(n);
    this.presence = new Float64Array(n);
    this.cooccurrence = new Float64Array(n * n);
  }

  /** Adds one sample; a label value that is neither a class id nor ignore is an error naming the sample. */
  add(sample: Sample): void {
    const n = this.classes.length;
    const counts = new Float64Array(n);
    let ignore = 0;
    const label = sample.label;
    for (let i = 0; i < label.length; i++) {
      const c = label[i];
      if (c === IGNORE_INDEX) ignore++;
      else if (c < n) counts[c]++;
      else throw new Error(`${sample.name}: label value ${c} at pixel ${i} is not a class id (0..${n - 1}) nor ignore (${IGNORE_INDEX})`);
    }
    this.images++;
    const key = `${sample.height}x${sample.width}`;
    const size = this.sizes.get(key) ?? { height: sample.height, width: sample.width, count: 0 };
    size.count++;
    this.sizes.set(key, size);
    this.ignorePixels += ignore;
    const present: number[] = [];
    for (let c = 0; c < n; c++) {
      this.classPixels[c] += counts[c];
      if (counts[c] > 0) present.push(c);
    }
    for (const a of present) {
      this.presence[a]++;
      for (const b of present) this.cooccurrence[a * n + b]++;
    }
  }

  result(): DataStats {
    return {
      classes: this.classes,
      images: this.images,
      sizes: [...this.sizes.values()].sort((a, b) => b.count - a.count || b.height * b.width - a.height * a.width),
      classPixels: Array.from(this.classPixels),
      ignorePixels: this.ignorePixels,
      presence: Array.from(this.presence),
      cooccurrence: Array.from(this.cooccurrence),
    };
  }
}

/** Row-normalized co-occurrence: entry (i, j) = P(j in the image | i in the image); NaN for a class in no image. */
export function conditionalCooccurrence(stats: DataStats): Float64Array {
  const n = stats.classes.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = stats.presence[i] > 0 ? stats.cooccurrence[i * n + j] / stats.presence[i] : NaN;
  }
  return out;
}
