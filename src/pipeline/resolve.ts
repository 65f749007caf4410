/**
 * Pipeline options from user choices (command line or API) on top of the
 * settings stored with the model: the stored CRF settings and test scale apply
 * by default, `learned` combination takes the stored weights and their
 * candidate set.
 */
import { resolveCrfSettings, type CrfSettings } from '../crf/settings';
import { SIX_CANDIDATES, type EnsembleOptions } from '../ensemble/candidates';
import type { CombineMode } from '../ensemble/combine';
import type { StoredInferenceSettings } from './model_settings';
import type { PipelineOptions } from './predictor';

/** What the user asked for; absent fields fall back to the stored settings, then to defaults. */
export interface PipelineChoices {
  scales?: number[];
  /** Sliding-window tile size; absent = whole image. */
  window?: { height: number; width: number };
  flip?: boolean;
  combine?: CombineMode;
  /** true: CRF on; false: off; absent: on when the model has stored settings or `crfOverrides` are given. */
  crf?: boolean;
  /** Individual CRF settings over the stored (or default) ones. */
  crfOverrides?: Partial<CrfSettings>;
}

function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The ensemble options for the choices (learned weights from `stored`). */
export function resolveEnsemble(choices: PipelineChoices, stored: StoredInferenceSettings): EnsembleOptions {
  const window = choices.window ? { window: choices.window } : {};
  const combine = choices.combine ?? 'avg';
  if (combine !== 'learned') return { scales: choices.scales ?? [stored.testScale ?? 1], flip: choices.flip ?? false, combine, ...window };
  const cw = stored.combineWeights;
  if (!cw) {
    throw new Error('combine "learned" needs weights stored with the model: run `guideseg learn-combine --checkpoint DIR` first');
  }
  const scales = choices.scales ?? cw.scales;
  const flip = choices.flip ?? cw.flip;
  if (!sameList(scales, cw.scales) || flip !== cw.flip) {
    throw new Error(
      `the learned weights were fitted for scales [${cw.scales.join(', ')}]${cw.flip ? ' with flip' : ''}; ` +
        `got scales [${scales.join(', ')}]${flip ? ' with flip' : ''}`,
    );
  }
  return { scales, flip, combine, learnedWeights: Float32Array.from(cw.weights), ...window };
}

/** The CRF settings for the choices, or null for no CRF. */
export function resolveCrf(choices: PipelineChoices, stored: StoredInferenceSettings): CrfSettings | null {
  const overrides = Object.fromEntries(Object.entries(choices.crfOverrides ?? {}).filter(([, v]) => v !== undefined));
  const enabled = choices.crf ?? (stored.crf !== undefined || Object.keys(overrides).length > 0);
  if (!enabled) return null;
  return resolveCrfSettings({ ...(stored.crf ?? {}), ...overrides });
}

/** Full pipeline options. */
export function resolvePipeline(choices: PipelineChoices, stored: StoredInferenceSettings = {}): PipelineOptions {
  return { ensemble: resolveEnsemble(choices, stored), crf: resolveCrf(choices, stored) };
}

/** The options of `segment` in `load()` and in the browser entry. */
export interface SegmentChoices {
  /**
   * `true`: the model's multi-candidate pipeline, i.e. its stored learned combination (with the
   * candidates it was fitted for) when it has one, else the paper's 6 candidates averaged;
   * or explicit settings. Default: one candidate at the stored test scale.
   */
  ensemble?: boolean | { scales?: number[]; flip?: boolean; combine?: CombineMode };
  /** `true` = the stored settings (else defaults), `false` = off, an object = these over the stored ones. Default: on when the model has stored settings. */
  crf?: boolean | Partial<CrfSettings>;
  /** Sliding-window tile size, for images too large to run whole. */
  window?: { height: number; width: number };
}

/** The pipeline choices of segment options, for a model with `stored` settings. */
export function segmentChoices(o: SegmentChoices, stored: StoredInferenceSettings): PipelineChoices {
  const e = o.ensemble;
  let ensemble: PipelineChoices = {};
  if (e === true) ensemble = stored.combineWeights ? { combine: 'learned' } : { scales: [...SIX_CANDIDATES.scales], flip: true, combine: 'avg' };
  else if (e) ensemble = { ...e };
  const c = o.crf;
  return { ...ensemble, window: o.window, crf: c === undefined ? undefined : c !== false, crfOverrides: typeof c === 'object' ? c : undefined };
}
