/**
 * The report of `guideseg eval --report DIR`: eval.md with the metrics table,
 * the row-normalized confusion matrix as a heat map and per-class IoU bars.
 */
import * as path from 'node:path';
import type { ConfusionMatrix } from '../eval/confusion';
import { formatMetricsTable, type SegmentationMetrics } from '../eval/metrics';
import type { Rgb } from '../data/palette';
import { writeFileAtomic } from '../util/atomic_write';
import { classBarsChart, heatmapChart } from './charts';
import { chartMarkdown, writeChart } from './render';

/** What was evaluated, for the report's title and text. */
export interface EvalReportInput {
  title: string;
  /** One line: checkpoint, split, pipeline. */
  description: string;
  metrics: SegmentationMetrics;
  confusion: ConfusionMatrix;
  palette?: ReadonlyArray<Rgb>;
}

/** Rows of the confusion matrix divided by their sums (recall per class on the diagonal); NaN rows for classes never labelled. */
export function normalizedConfusion(cm: ConfusionMatrix): Float64Array {
  const n = cm.numClasses;
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let c = 0; c < n; c++) sum += cm.counts[r * n + c];
    for (let c = 0; c < n; c++) out[r * n + c] = sum > 0 ? cm.counts[r * n + c] / sum : NaN;
  }
  return out;
}

/** Writes eval.md, confusion.{svg,png} and per_class_iou.{svg,png} to `dir`; returns the Markdown path. */
export async function writeEvalReport(dir: string, e: EvalReportInput): Promise<string> {
  const classes = e.metrics.perClass.map((c) => c.name);
  const confusion = await writeChart(dir, 'confusion', heatmapChart({
    title: `${e.title}: confusion matrix, % of each true class`,
    values: normalizedConfusion(e.confusion),
    classes,
    rowAxis: 'true class',
    columnAxis: 'predicted class',
  }));
  const iou = await writeChart(dir, 'per_class_iou', classBarsChart({
    title: `${e.title}: IoU per class (mIoU ${(100 * e.metrics.mIoU).toFixed(2)} %)`,
    classes,
    series: [{ name: 'IoU %', values: e.metrics.perClass.map((c) => 100 * c.iou) }],
    axis: 'IoU %',
    palette: e.palette,
  }));
  const md = [
    `# Evaluation: ${e.title}`,
    '',
    e.description,
    '',
    formatMetricsTable(e.metrics),
    '',
    chartMarkdown('IoU per class', iou),
    chartMarkdown('Confusion matrix', confusion),
  ].join('\n');
  const file = path.join(dir, 'eval.md');
  await writeFileAtomic(file, md);
  return file;
}
