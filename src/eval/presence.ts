/**
 * How well the global scores g tell which classes an image contains: per
 * class, the prediction sigmoid(g) > 0.5 (g > 0) against presence in the
 * ground truth (ignore pixels excluded), over a split. Typed arrays in, no
 * networks.
 */

/** Presence figures of one class. */
export interface ClassPresence {
  name: string;
  /** Images whose ground truth holds the class. */
  present: number;
  /** Fraction of images where g's call (present / absent) is right. */
  accuracy: number;
  /** Of the images g calls present, the fraction that are (NaN when g never calls it). */
  precision: number;
  /** Of the images holding the class, the fraction g calls present (NaN when none holds it). */
  recall: number;
}

/** Accumulates g against ground-truth presence, image by image. */
export class PresenceAccumulator {
  private readonly tp: Float64Array;
  private readonly fp: Float64Array;
  private readonly fn: Float64Array;
  private readonly tn: Float64Array;
  images = 0;

  constructor(readonly classes: readonly string[]) {
    const n = classes.length;
    [this.tp, this.fp, this.fn, this.tn] = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  }

  /** Adds one image: its global scores (length L) and which classes its label holds. */
  add(global: ArrayLike<number>, present: ArrayLike<boolean>): void {
    const n = this.classes.length;
    if (global.length !== n || present.length !== n) throw new Error(`presence: ${global.length} scores and ${present.length} flags for ${n} classes`);
    for (let l = 0; l < n; l++) {
      const called = global[l] > 0;
      if (called && present[l]) this.tp[l]++;
      else if (called) this.fp[l]++;
      else if (present[l]) this.fn[l]++;
      else this.tn[l]++;
    }
    this.images++;
  }

  /** Per-class figures and their mean accuracy. */
  result(): { perClass: ClassPresence[]; meanAccuracy: number } {
    const perClass = this.classes.map((name, l) => ({
      name,
      present: this.tp[l] + this.fn[l],
      accuracy: (this.tp[l] + this.tn[l]) / Math.max(1, this.images),
      precision: this.tp[l] + this.fp[l] > 0 ? this.tp[l] / (this.tp[l] + this.fp[l]) : NaN,
      recall: this.tp[l] + this.fn[l] > 0 ? this.tp[l] / (this.tp[l] + this.fn[l]) : NaN,
    }));
    return { perClass, meanAccuracy: perClass.reduce((s, c) => s + c.accuracy, 0) / Math.max(1, perClass.length) };
  }
}

/** The figures as a Markdown table. */
export function formatPresenceTable(r: { perClass: ClassPresence[]; meanAccuracy: number }): string {
  const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '–');
  return [
    '| class | images with it | presence accuracy % | precision % | recall % |',
    '|---|---:|---:|---:|---:|',
    ...r.perClass.map((c) => `| ${c.name} | ${c.present} | ${pct(c.accuracy)} | ${pct(c.precision)} | ${pct(c.recall)} |`),
    `| **mean** | | **${pct(r.meanAccuracy)}** | | |`,
  ].join('\n');
}
