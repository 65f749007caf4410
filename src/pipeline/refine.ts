/**
 * The last stage of the pipeline: the guidance CRF on a combined unary with
 * the content-sensitive compatibility built from the global scores (ĝ = log
 * sigmoid(g)) or, for the "+ground truth label" oracle, from the classes of
 * the ground truth, to which the prediction is then also restricted.
 */
import { logPresenceFromGlobalScores, oracleLogPresence } from '../crf/compatibility';
import type { Guide } from '../crf/guide';
import type { CrfSettings } from '../crf/settings';
import { restrictToClasses } from '../eval/metrics_oracle';
import type { CrfRunner } from './crf_runner';

/** One image's input to {@link refineScores}. */
export interface RefineInput {
  image: Uint8Array;
  height: number;
  width: number;
  numClasses: number;
  /** Combined unary U, H·W·L, classes fastest. */
  unary: Float32Array;
  /** Global scores g (averaged over candidates); null for a baseline model. */
  global: Float32Array | null;
  /** Oracle: the classes present in the ground truth (builds ĝ and restricts the prediction). */
  present?: readonly boolean[] | null;
  /** A guide of this image matching the settings' r, ε and subsample (prepared when absent). */
  guide?: Guide;
}

/**
 * Final class scores of one image: the CRF scores when `settings` is given
 * (the unary itself otherwise), with absent classes set to −∞ under the oracle.
 * Never modifies `input.unary`.
 */
export function refineScores(input: RefineInput, settings: CrfSettings | null, runner?: CrfRunner): Float32Array {
  const L = input.numClasses;
  const present = input.present ?? null;
  let scores: Float32Array;
  if (settings && settings.T > 0) {
    if (!runner) throw new Error('refineScores: the guidance CRF needs a CrfRunner');
    let logPresence: Float64Array | null = null;
    if (present) logPresence = oracleLogPresence(present);
    else if (input.global) logPresence = logPresenceFromGlobalScores(input.global);
    else if (settings.lambda !== 0) {
      throw new Error(
        `crf.lambda = ${settings.lambda} needs global scores, but the model has no global branch (baseline); use crf.lambda = 0`,
      );
    }
    const result = runner.run(
      { image: input.image, unary: input.unary, height: input.height, width: input.width, numClasses: L, logPresence, guide: input.guide },
      settings,
    );
    scores = result.scores;
  } else {
    scores = present ? input.unary.slice() : input.unary;
  }
  if (present) restrictToClasses(scores, L, present);
  return scores;
}
