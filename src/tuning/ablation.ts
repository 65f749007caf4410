/**
 * The ablation of docs/method.md §4 (paper's Table 3) and the combination table
 * (paper's Table 2) in one pass over a split: each image runs each network once
 * per candidate, and every row's prediction is derived from those cached maps
 * (combination, CRF, oracle). Rows are cumulative, as in the paper.
 */
import type { CrfSettings } from '../crf/settings';
import type { Dataset } from '../data/types';
import { combineMaps, identityCandidate, meanGlobalScores, singleCandidate } from '../ensemble/combine';
import { candidateMaps } from '../ensemble/infer';
import { type CandidateMaps, type CombineMode } from '../ensemble/combine';
import { ConfusionMatrix } from '../eval/confusion';
import { computeMetrics, type SegmentationMetrics } from '../eval/metrics';
import { argmax, presentClasses } from '../eval/metrics_oracle';
import type { NetworkRunner } from '../ensemble/network';
import { GuideCache, type CrfRunner } from '../pipeline/crf_runner';
import { refineScores } from '../pipeline/refine';

/**
 * Which CRF a row uses: none, the fitted settings with λ = 0, or the fitted
 * settings (those fitted on the learned combination for the learned rows).
 */
export type CrfKind = 'none' | 'potts' | 'fitted';

/** Definition of one ablation row. */
export interface AblationRowSpec {
  id: string;
  label: string;
  model: 'baseline' | 'joint';
  combine: CombineMode;
  crf: CrfKind;
  oracle: boolean;
}

/**
 * The rows of the paper's Table 3 plus "+ guidance CRF (λ = 0)", and the
 * baseline with its own fitted CRF and learned combination: the joint
 * model's full pipeline against the baseline's.
 */
export const ABLATION_ROWS: readonly AblationRowSpec[] = [
  { id: 'baseline', label: 'baseline', model: 'baseline', combine: 'avg', crf: 'none', oracle: false },
  { id: 'clsnet', label: '+ clsNet', model: 'joint', combine: 'avg', crf: 'none', oracle: false },
  { id: 'guidance-crf', label: '+ guidance CRF (λ = 0)', model: 'joint', combine: 'avg', crf: 'potts', oracle: false },
  { id: 'compatibility', label: '+ compatibility', model: 'joint', combine: 'avg', crf: 'fitted', oracle: false },
  { id: 'learn-combine', label: '+ learn to combine', model: 'joint', combine: 'learned', crf: 'fitted', oracle: false },
  { id: 'oracle', label: '+ ground truth label', model: 'joint', combine: 'learned', crf: 'fitted', oracle: true },
  { id: 'baseline-pipeline', label: 'baseline + guidance CRF + learn to combine', model: 'baseline', combine: 'learned', crf: 'fitted', oracle: false },
];

/** Combination rules of the paper's Table 2. */
export const COMBINE_MODES: readonly CombineMode[] = ['avg', 'max', 'avgmax', 'learned'];

/** A model's fitted CRFs and learned combination weights [N × L] for the candidates of `scales` × `flip`. */
export interface FittedInference {
  /** Fitted on the averaged candidates (the rows before "+ learn to combine"). */
  crf: CrfSettings;
  /** Fitted on the learned combination: the CRF runs on the combined unary, so it is fitted on that one. */
  crfLearned: CrfSettings;
  combineWeights: ArrayLike<number>;
}

/** Settings the rows use: the joint model's, and the baseline's own for its pipeline row. */
export interface AblationSettings extends FittedInference {
  scales: number[];
  flip: boolean;
  /** CRF of the "+ guidance CRF (λ = 0)" row (λ must be 0). */
  crfPotts: CrfSettings;
  /** The baseline's own fitted settings (its CRF has λ = 0: it has no global scores). */
  baseline: FittedInference;
}

/** Result of one row: 6-candidate metrics and single-scale metrics (null where not defined). */
export interface AblationRowResult extends AblationRowSpec {
  crfSettings: CrfSettings | null;
  metrics: SegmentationMetrics;
  /** Same row on the single candidate (scale 1, not flipped); null for learned combination. */
  singleScale: SegmentationMetrics | null;
}

/** One line of Table 2 (joint model). */
export interface CombineTableRow {
  combine: CombineMode;
  noCrf: SegmentationMetrics;
  /** With the fitted CRF. */
  crf: SegmentationMetrics;
}

export interface AblationResult {
  rows: AblationRowResult[];
  combineTable: CombineTableRow[];
  images: number;
  seconds: number;
}

/** One evaluated configuration (several rows and table cells share some). */
interface Unit {
  model: 'baseline' | 'joint';
  /** A combine mode, or `single` for the plain candidate alone. */
  combine: CombineMode | 'single';
  crf: CrfKind;
  oracle: boolean;
}

const unitKey = (u: Unit) => `${u.model}|${u.combine}|${u.crf}|${u.oracle}`;

/** Options of {@link runAblation}. */
export interface AblationOptions {
  /** First images of the split only. */
  limit?: number;
  onImage?: (done: number, total: number) => void;
}

/** Evaluates every row and Table 2 cell on `dataset`. */
export async function runAblation(
  models: { baseline: NetworkRunner; joint: NetworkRunner },
  dataset: Dataset,
  settings: AblationSettings,
  runner: CrfRunner,
  opts: AblationOptions = {},
): Promise<AblationResult> {
  const started = performance.now();
  const L = models.joint.numClasses;
  for (const [name, m] of Object.entries(models)) {
    if (m.numClasses !== dataset.classes.length) {
      throw new Error(`${name} model has ${m.numClasses} classes but data set ${dataset.type}/${dataset.split} has ${dataset.classes.length}`);
    }
  }
  if (settings.crfPotts.lambda !== 0) throw new Error(`the "+ guidance CRF (λ = 0)" row needs crf.lambda = 0, got ${settings.crfPotts.lambda}`);
  const fittedOf = (model: AblationRowSpec['model']): FittedInference => (model === 'joint' ? settings : settings.baseline);
  const crfOf = (k: CrfKind, model: AblationRowSpec['model'], combine: Unit['combine']): CrfSettings | null =>
    k === 'none' ? null : k === 'potts' ? settings.crfPotts : combine === 'learned' ? fittedOf(model).crfLearned : fittedOf(model).crf;

  const units = new Map<string, Unit>();
  const add = (u: Unit) => units.set(unitKey(u), u);
  for (const r of ABLATION_ROWS) {
    add({ model: r.model, combine: r.combine, crf: r.crf, oracle: r.oracle });
    if (r.combine !== 'learned') add({ model: r.model, combine: 'single', crf: r.crf, oracle: r.oracle });
  }
  // The single-scale figure of the learned rows is the single candidate with the same CRF and oracle.
  add({ model: 'joint', combine: 'single', crf: 'fitted', oracle: true });
  for (const c of COMBINE_MODES) for (const crf of ['none', 'fitted'] as const) add({ model: 'joint', combine: c, crf, oracle: false });
  const confusions = new Map<string, ConfusionMatrix>([...units.keys()].map((k) => [k, new ConfusionMatrix(L)]));

  const total = Math.min(dataset.length, opts.limit ?? Infinity);
  if (total < 1) throw new Error(`data set ${dataset.type}/${dataset.split} is empty`);
  for (let i = 0; i < total; i++) {
    const s = await dataset.get(i);
    const maps: Record<'baseline' | 'joint', CandidateMaps> = {
      baseline: await models.baseline.candidateMaps(s.image, s.height, s.width, settings),
      joint: await models.joint.candidateMaps(s.image, s.height, s.width, settings),
    };
    const single: Record<'baseline' | 'joint', CandidateMaps> = {
      baseline: await plainCandidate(models.baseline, maps.baseline, s.image),
      joint: await plainCandidate(models.joint, maps.joint, s.image),
    };
    const present = presentClasses(s.label, L);
    const guides = new GuideCache(runner, s.image, s.height, s.width);
    const unaries = new Map<string, { unary: Float32Array; global: Float32Array | null }>();
    for (const [key, u] of units) {
      const uKey = `${u.model}|${u.combine}`;
      let entry = unaries.get(uKey);
      if (!entry) {
        const source = u.combine === 'single' ? single[u.model] : maps[u.model];
        const mode = u.combine === 'single' ? 'avg' : u.combine;
        entry = { unary: combineMaps(source, mode, fittedOf(u.model).combineWeights), global: meanGlobalScores(source) };
        unaries.set(uKey, entry);
      }
      const crf = crfOf(u.crf, u.model, u.combine);
      const scores = refineScores(
        {
          image: s.image,
          height: s.height,
          width: s.width,
          numClasses: L,
          unary: entry.unary,
          global: entry.global,
          present: u.oracle ? present : null,
          guide: crf && crf.T > 0 ? guides.get(crf) : undefined,
        },
        crf,
        runner,
      );
      confusions.get(key)!.update(argmax(scores, L), s.label);
    }
    opts.onImage?.(i + 1, total);
  }

  const metricsOf = (u: Unit) => computeMetrics(confusions.get(unitKey(u))!, dataset.classes);
  const rows = ABLATION_ROWS.map((r) => ({
    ...r,
    crfSettings: crfOf(r.crf, r.model, r.combine),
    metrics: metricsOf(r),
    singleScale: r.combine === 'learned' && !r.oracle ? null : metricsOf({ ...r, combine: 'single' }),
  }));
  const combineTable = COMBINE_MODES.map((c) => ({
    combine: c,
    noCrf: metricsOf({ model: 'joint', combine: c, crf: 'none', oracle: false }),
    crf: metricsOf({ model: 'joint', combine: c, crf: 'fitted', oracle: false }),
  }));
  return { rows, combineTable, images: total, seconds: (performance.now() - started) / 1000 };
}

/** The plain candidate (scale 1, not flipped) of an image: from the maps, or one extra pass when absent. */
async function plainCandidate(network: NetworkRunner, maps: CandidateMaps, image: Uint8Array): Promise<CandidateMaps> {
  const k = identityCandidate(maps);
  if (k >= 0) return singleCandidate(maps, k);
  return network.candidateMaps(image, maps.height, maps.width, { scales: [1], flip: false });
}
