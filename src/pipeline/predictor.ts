/**
 * The inference pipeline of one image: network → multiple reinitialization
 * (ensemble: combined unary + averaged global scores g) → guidance CRF with the
 * content-sensitive compatibility → class scores at the image's size.
 */
import type { CrfSettings } from '../crf/settings';
import type { Sample } from '../data/types';
import { SINGLE_SCALE, type EnsembleOptions, type UnaryMap } from '../ensemble/candidates';
import { inferUnary, type NetworkRunner } from '../ensemble/network';
import type { ScorePredictor } from '../eval/evaluate';
import { argmax, presentClasses } from '../eval/metrics_oracle';
import type { CrfRunner } from './crf_runner';
import { refineScores } from './refine';

export interface PipelineOptions {
  ensemble: EnsembleOptions;
  /** Guidance CRF settings; null or absent = no CRF. */
  crf?: CrfSettings | null;
}

/** Single scale, no CRF. */
export const DEFAULT_PIPELINE: PipelineOptions = { ensemble: SINGLE_SCALE, crf: null };

/** What a pipeline run needs besides its options. */
export interface PipelineContext {
  /** Runs the CRF; required when the options have CRF settings. */
  crfRunner?: CrfRunner;
  /** "+ground truth label" oracle: the classes present in the ground truth. */
  present?: readonly boolean[] | null;
}

/** Result of one image: `scores` are the final scores (after the CRF, if any). */
export interface PipelineResult extends UnaryMap {
  /** The combined unary before the CRF (the same array as `scores` without CRF and oracle). */
  unary: Float32Array;
  /** argmax of `scores`. */
  labels: Uint8Array;
}

/** Scores of one RGB image through the pipeline. */
export async function predictScores(
  network: NetworkRunner,
  image: Uint8Array,
  height: number,
  width: number,
  opts: PipelineOptions = DEFAULT_PIPELINE,
  ctx: PipelineContext = {},
): Promise<PipelineResult> {
  const u = await inferUnary(network, image, height, width, opts.ensemble);
  const scores = refineScores(
    { image, height, width, numClasses: u.numClasses, unary: u.scores, global: u.global, present: ctx.present },
    opts.crf ?? null,
    ctx.crfRunner,
  );
  return { ...u, scores, unary: u.scores, labels: argmax(scores, u.numClasses) };
}

/**
 * A predictor for `evaluateDataset`. With `oracle`, each sample's ground-truth
 * classes build the compatibility and restrict the prediction.
 */
export function scorePredictor(
  network: NetworkRunner,
  opts: PipelineOptions = DEFAULT_PIPELINE,
  ctx: { crfRunner?: CrfRunner; oracle?: boolean; onGlobal?: (sample: Sample, global: Float32Array | null) => void } = {},
): ScorePredictor {
  const L = network.numClasses;
  return async (sample: Sample) => {
    const r = await predictScores(network, sample.image, sample.height, sample.width, opts, {
      crfRunner: ctx.crfRunner,
      present: ctx.oracle ? presentClasses(sample.label, L) : null,
    });
    ctx.onGlobal?.(sample, r.global);
    return r.scores;
  };
}
