/**
 * The inference pipeline of one image: network → multiple reinitialization
 * (ensemble) → class scores at the image's size, as typed arrays.
 */
import type { Sample } from '../data/types';
import { inferUnary, SINGLE_SCALE, type EnsembleOptions, type UnaryMap } from '../ensemble/infer';
import type { ScorePredictor } from '../eval/evaluate';
import type { Segmentor } from '../model/types';

export interface PipelineOptions {
  ensemble: EnsembleOptions;
}

export const DEFAULT_PIPELINE: PipelineOptions = { ensemble: SINGLE_SCALE };

/** Unary scores of one RGB image through the pipeline. */
export function predictScores(
  model: Segmentor,
  image: Uint8Array,
  height: number,
  width: number,
  opts: PipelineOptions = DEFAULT_PIPELINE,
): UnaryMap {
  return inferUnary(model, image, height, width, opts.ensemble);
}

/** A predictor for `evaluateDataset`. */
export function scorePredictor(model: Segmentor, opts: PipelineOptions = DEFAULT_PIPELINE): ScorePredictor {
  return async (sample: Sample) => predictScores(model, sample.image, sample.height, sample.width, opts).scores;
}
