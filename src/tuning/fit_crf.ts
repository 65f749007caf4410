/**
 * Piecewise fitting of the guidance CRF (docs/method.md §2): search of w, λ, r, ε
 * and T on cached unaries of a validation subset, scored by the subset's mIoU.
 * Each setting costs CRF time only; guides are shared by settings with the
 * same r and ε.
 */
import { resolveCrfSettings, type CrfSettings } from '../crf/settings';
import { ConfusionMatrix } from '../eval/confusion';
import { computeMetrics } from '../eval/metrics';
import { argmax } from '../eval/metrics_oracle';
import { GuideCache, type CrfRunner } from '../pipeline/crf_runner';
import type { CrfFitSample } from './fit_data';
import { refineScores } from '../pipeline/refine';

/** Values tried for each searched setting. */
export interface CrfSearchSpace {
  w: number[];
  lambda: number[];
  r: number[];
  eps: number[];
  T: number[];
}

/**
 * Default ranges: logits of trained models are a few units, messages are in
 * [0, 1] per class; the compatibility adds about w·λ·ĝ_l to class l's score, so
 * useful λ are small when w is large. r costs nothing (O(1) box filters).
 */
export const DEFAULT_CRF_SEARCH: CrfSearchSpace = {
  w: [0.5, 1, 2, 4, 8, 16],
  lambda: [0, 0.05, 0.1, 0.25, 0.5, 1, 2],
  r: [2, 4, 8, 16],
  eps: [3, 10, 30, 100],
  T: [5],
};

/** A few points only (demo, smoke tests). */
export const QUICK_CRF_SEARCH: CrfSearchSpace = { w: [2, 8, 16], lambda: [0, 0.1, 0.5], r: [4, 8, 16], eps: [10], T: [5] };

const COORDINATES = ['w', 'lambda', 'r', 'eps', 'T'] as const;

/** One evaluated setting. */
export interface CrfSearchRow {
  settings: CrfSettings;
  mIoU: number;
  pixelAccuracy: number;
}

/** Outcome of {@link searchCrfSettings}. */
export interface CrfSearchResult {
  best: CrfSearchRow;
  /** Best evaluated setting with λ = 0 (plain guidance CRF), if any was evaluated. */
  potts: CrfSearchRow | null;
  /** The subset without CRF (the unary alone). */
  unary: CrfSearchRow;
  /** Every evaluated setting, in evaluation order. */
  rows: CrfSearchRow[];
}

/** Options of {@link searchCrfSettings}. */
export interface CrfSearchOptions {
  space?: CrfSearchSpace;
  /** Starting point of the coordinate search, and the values of settings not searched (subsample). */
  start?: Partial<CrfSettings>;
  /** `coordinate`: one setting at a time, others fixed, `rounds` passes; `grid`: every combination. */
  strategy?: 'coordinate' | 'grid';
  rounds?: number;
  onRow?: (row: CrfSearchRow) => void;
}

/** Evaluates CRF settings on cached samples; keeps each image's current guides. */
export class CrfSettingEvaluator {
  private readonly guides: GuideCache[];

  constructor(
    private readonly samples: CrfFitSample[],
    private readonly classes: readonly string[],
    private readonly runner: CrfRunner,
  ) {
    if (!samples.length) throw new Error('CRF search: no cached image');
    // One guide per image at a time: a search changes r and ε one value after the other.
    this.guides = samples.map((s) => new GuideCache(runner, s.image, s.height, s.width, 1));
  }

  /** mIoU and pixel accuracy of the subset with these settings (T = 0: the unary alone). */
  evaluate(settings: CrfSettings): CrfSearchRow {
    const L = this.classes.length;
    const cm = new ConfusionMatrix(L);
    this.samples.forEach((s, i) => {
      const scores = refineScores(
        {
          image: s.image,
          height: s.height,
          width: s.width,
          numClasses: L,
          unary: s.unary,
          global: s.global,
          guide: settings.T > 0 ? this.guides[i].get(settings) : undefined,
        },
        settings,
        this.runner,
      );
      cm.update(argmax(scores, L), s.label);
    });
    const m = computeMetrics(cm, this.classes);
    return { settings, mIoU: m.mIoU, pixelAccuracy: m.pixelAccuracy };
  }
}

function key(s: CrfSettings): string {
  return COORDINATES.map((c) => s[c]).join('/') + `/${s.subsample}`;
}

/** Better = higher mIoU, then higher pixel accuracy; NaN never wins. */
function better(a: CrfSearchRow, b: CrfSearchRow | null): boolean {
  if (b === null) return true;
  if (Number.isNaN(a.mIoU)) return false;
  if (Number.isNaN(b.mIoU)) return true;
  return a.mIoU > b.mIoU || (a.mIoU === b.mIoU && a.pixelAccuracy > b.pixelAccuracy);
}

/**
 * Searches the CRF settings maximizing the subset's mIoU. With no global
 * scores (baseline model) λ stays 0.
 */
export function searchCrfSettings(
  samples: CrfFitSample[],
  classes: readonly string[],
  runner: CrfRunner,
  opts: CrfSearchOptions = {},
): CrfSearchResult {
  const space: CrfSearchSpace = { ...(opts.space ?? DEFAULT_CRF_SEARCH) };
  for (const c of COORDINATES) {
    if (!space[c].length) throw new Error(`CRF search: no value to try for ${c}`);
  }
  if (samples.some((s) => s.global === null)) space.lambda = [0];
  const evaluator = new CrfSettingEvaluator(samples, classes, runner);
  const seen = new Map<string, CrfSearchRow>();
  const rows: CrfSearchRow[] = [];
  const score = (partial: Partial<CrfSettings>): CrfSearchRow => {
    const settings = resolveCrfSettings(partial);
    const k = key(settings);
    let row = seen.get(k);
    if (!row) {
      row = evaluator.evaluate(settings);
      seen.set(k, row);
      rows.push(row);
      opts.onRow?.(row);
    }
    return row;
  };
  const start = resolveCrfSettings({ ...opts.start, ...(space.lambda.length === 1 ? { lambda: space.lambda[0] } : {}) });
  const unary = evaluator.evaluate({ ...start, T: 0 });
  let best: CrfSearchRow | null = null;
  if ((opts.strategy ?? 'coordinate') === 'grid') {
    for (const w of space.w)
      for (const lambda of space.lambda)
        for (const r of space.r)
          for (const eps of space.eps)
            for (const T of space.T) {
              const row = score({ ...start, w, lambda, r, eps, T });
              if (better(row, best)) best = row;
            }
  } else {
    best = score(start);
    const rounds = opts.rounds ?? 2;
    for (let round = 0; round < rounds; round++) {
      const before = key(best.settings);
      for (const c of COORDINATES) {
        for (const v of space[c]) {
          const row = score({ ...best.settings, [c]: v });
          if (better(row, best)) best = row;
        }
      }
      if (key(best.settings) === before) break;
    }
  }
  let potts: CrfSearchRow | null = null;
  for (const row of rows) if (row.settings.lambda === 0 && better(row, potts)) potts = row;
  return { best: best!, potts, unary, rows };
}

/** Markdown table of the search (mIoU and pixel accuracy in percent), best first. */
export function formatSearchTable(result: CrfSearchResult, top = Infinity): string {
  const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(2) : 'n/a');
  const sorted = [...result.rows].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0)).slice(0, top);
  const lines = ['| w | λ | r | ε | T | s | mIoU % | pixel acc % |', '|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of sorted) {
    const s = r.settings;
    lines.push(`| ${s.w} | ${s.lambda} | ${s.r} | ${s.eps} | ${s.T} | ${s.subsample} | ${pct(r.mIoU)} | ${pct(r.pixelAccuracy)} |`);
  }
  lines.push(`| no CRF | | | | 0 | | ${pct(result.unary.mIoU)} | ${pct(result.unary.pixelAccuracy)} |`);
  return lines.join('\n');
}
