/**
 * Segmentation metrics from a confusion matrix (docs/method.md §4): per-class IoU and
 * accuracy, their means, pixel accuracy, and a Markdown table of them.
 */
import { ConfusionMatrix } from './confusion';

/** Metrics of one class; NaN where undefined (see {@link computeMetrics}). */
export interface ClassMetrics {
  name: string;
  /** TP / (TP + FP + FN); NaN when the class is in neither labels nor predictions. */
  iou: number;
  /** TP / (TP + FN); NaN when the class never occurs in the labels. */
  accuracy: number;
  /** Ground-truth pixels of the class. */
  pixels: number;
}

/** Split-level metrics, fractions in [0, 1]. */
export interface SegmentationMetrics {
  mIoU: number;
  pixelAccuracy: number;
  meanClassAccuracy: number;
  perClass: ClassMetrics[];
}

/**
 * Computes the metrics of a confusion matrix (rows = labels, columns = predictions).
 * As in mmsegmentation, a class with an undefined IoU (absent from both labels and
 * predictions) or undefined accuracy (absent from labels) gets NaN and is left out
 * of the corresponding mean; a class predicted but never labelled has IoU 0 and
 * counts. A matrix with no pixel at all gives NaN means.
 */
export function computeMetrics(cm: ConfusionMatrix, classNames: readonly string[]): SegmentationMetrics {
  const n = cm.numClasses;
  if (classNames.length !== n) {
    throw new Error(`computeMetrics: ${classNames.length} class names for a ${n}-class confusion matrix`);
  }
  const rowSum = new Float64Array(n);
  const colSum = new Float64Array(n);
  let total = 0;
  let correct = 0;
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) {
      const v = cm.counts[t * n + p];
      rowSum[t] += v;
      colSum[p] += v;
      total += v;
      if (t === p) correct += v;
    }
  }
  const perClass: ClassMetrics[] = [];
  let iouSum = 0;
  let iouCount = 0;
  let accSum = 0;
  let accCount = 0;
  for (let c = 0; c < n; c++) {
    const tp = cm.counts[c * n + c];
    const union = rowSum[c] + colSum[c] - tp;
    const iou = union > 0 ? tp / union : NaN;
    const accuracy = rowSum[c] > 0 ? tp / rowSum[c] : NaN;
    if (!Number.isNaN(iou)) {
      iouSum += iou;
      iouCount++;
    }
    if (!Number.isNaN(accuracy)) {
      accSum += accuracy;
      accCount++;
    }
    perClass.push({ name: classNames[c], iou, accuracy, pixels: rowSum[c] });
  }
  return {
    mIoU: iouCount > 0 ? iouSum / iouCount : NaN,
    pixelAccuracy: total > 0 ? correct / total : NaN,
    meanClassAccuracy: accCount > 0 ? accSum / accCount : NaN,
    perClass,
  };
}

function percent(v: number): string {
  return Number.isNaN(v) ? 'n/a' : (100 * v).toFixed(2);
}

/**
 * Markdown table of per-class IoU / accuracy (percent, 2 decimals; `n/a` for
 * undefined values) followed by the summary rows.
 */
export function formatMetricsTable(metrics: SegmentationMetrics): string {
  const lines = ['| class | IoU % | accuracy % | pixels |', '|---|---:|---:|---:|'];
  for (const c of metrics.perClass) {
    lines.push(`| ${c.name} | ${percent(c.iou)} | ${percent(c.accuracy)} | ${c.pixels} |`);
  }
  lines.push(`| **mean** | **${percent(metrics.mIoU)}** | **${percent(metrics.meanClassAccuracy)}** | |`);
  lines.push(`| pixel accuracy | | ${percent(metrics.pixelAccuracy)} | |`);
  return lines.join('\n');
}
