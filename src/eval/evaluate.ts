/**
 * Evaluation of a whole split (docs/method.md §4): every sample's prediction at the
 * label's resolution goes into one confusion matrix, then the metrics. The
 * predictor is any function from a sample to per-pixel class scores, so this
 * file knows nothing of networks.
 */
import type { Dataset, Sample } from '../data/types';
import { ConfusionMatrix } from './confusion';
import { computeMetrics, type SegmentationMetrics } from './metrics';
import { argmax, presentClasses, restrictToClasses } from './metrics_oracle';

/** Class scores of one sample: H*W*L values, classes fastest, at the label's size. */
export type ScorePredictor = (sample: Sample) => Promise<Float32Array>;

export interface EvaluateOptions {
  numClasses: number;
  /** "+ground truth label" oracle: only classes present in the label may be predicted. */
  oracle?: boolean;
  /** Evaluate only the first `limit` samples. */
  limit?: number;
  /** Called after each sample (for progress bars). */
  onSample?: (done: number, total: number) => void;
}

export interface EvaluationResult {
  confusion: ConfusionMatrix;
  metrics: SegmentationMetrics;
  images: number;
}

/** Runs `predict` over `dataset` and scores the predictions. */
export async function evaluateDataset(
  dataset: Dataset,
  predict: ScorePredictor,
  opts: EvaluateOptions,
): Promise<EvaluationResult> {
  const L = opts.numClasses;
  if (dataset.classes.length !== L) {
    throw new Error(`model has ${L} classes but data set ${dataset.type}/${dataset.split} has ${dataset.classes.length}`);
  }
  const total = Math.min(dataset.length, opts.limit ?? Infinity);
  if (total === 0) throw new Error(`data set ${dataset.type}/${dataset.split} is empty`);
  const confusion = new ConfusionMatrix(L);
  // The next sample is read (decoded on the image library's threads) while this one is predicted.
  const read = (i: number) => {
    const p = dataset.get(i);
    p.catch(() => {}); // its error is thrown when awaited, in order
    return p;
  };
  let next = read(0);
  for (let i = 0; i < total; i++) {
    const sample = await next;
    if (i + 1 < total) next = read(i + 1);
    const scores = await predict(sample);
    if (scores.length !== sample.height * sample.width * L) {
      throw new Error(`prediction for ${sample.name} has ${scores.length} scores, expected ${sample.height}×${sample.width}×${L}`);
    }
    if (opts.oracle) restrictToClasses(scores, L, presentClasses(sample.label, L));
    confusion.update(argmax(scores, L), sample.label);
    opts.onSample?.(i + 1, total);
  }
  if (confusion.total() === 0) {
    throw new Error(`data set ${dataset.type}/${dataset.split}: no labelled pixel in ${total} images (every label is ignore), so there is nothing to score`);
  }
  return { confusion, metrics: computeMetrics(confusion, dataset.classes), images: total };
}
