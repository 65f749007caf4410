/** The demo's report folder: metrics tables in Markdown and JSON, and prediction strips. */
import { tfjsRunner } from '../ensemble/tfjs_runner';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { overlay, writeImagePng } from '../data/image_io';
import type { Dataset } from '../data/types';
import { argmax } from '../eval/metrics_oracle';
import type { SegmentationMetrics } from '../eval/metrics';
import type { Segmentor } from '../model/types';
import type { AblationResult } from '../tuning/ablation';
import { ablationMarkdown, writeAblationReport, type AblationInfo } from '../tuning/ablation_report';
import { predictScores } from '../pipeline/predictor';
import { writeFileAtomicSync } from '../util/atomic_write';

/** The ablation table of the report (see `guideseg ablate`). */
export interface DemoAblation {
  result: AblationResult;
  info: AblationInfo;
}

export interface ModelReport {
  name: string;
  model: Segmentor;
  metrics: SegmentationMetrics;
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(2) : '–');

/** Markdown: one summary table, one per-class IoU table (a column per model). */
export function demoMarkdown(reports: ModelReport[], classes: readonly string[], info: { iterations: number; seconds: number }): string {
  const lines = [
    '# guideseg demo: baseline vs joint model on the synthetic context data set',
    '',
    `Both models: same architecture and budget (${info.iterations} SGD steps each), evaluated on the val split, single scale, no CRF. Total time ${info.seconds.toFixed(0)} s.`,
    '',
    '| model | mIoU % | pixel acc % | mean class acc % |',
    '|---|---|---|---|',
    ...reports.map((r) => `| ${r.name} | ${pct(r.metrics.mIoU)} | ${pct(r.metrics.pixelAccuracy)} | ${pct(r.metrics.meanClassAccuracy)} |`),
    '',
    '## Per-class IoU %',
    '',
    `| class | ${reports.map((r) => r.name).join(' | ')} |`,
    `|---|${reports.map(() => '---').join('|')}|`,
    ...classes.map((c, i) => `| ${c} | ${reports.map((r) => pct(r.metrics.perClass[i].iou)).join(' | ')} |`),
    '',
    '## Predictions',
    '',
    `Each strip: image | ground truth | ${reports.map((r) => r.name).join(' | ')}.`,
    '',
  ];
  return lines.join('\n');
}

/**
 * Writes README.md, metrics.json and `samples` prediction strips into `dir`;
 * with `ablation`, also its tables (in README.md, ablation.md and ablation.json).
 */
export async function writeDemoReport(
  dir: string,
  dataset: Dataset,
  reports: ModelReport[],
  info: { iterations: number; seconds: number },
  ablation?: DemoAblation,
  samples = 4,
): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  let markdown = demoMarkdown(reports, dataset.classes, info);
  if (ablation) {
    // The ablation goes before the prediction strips, which end the page.
    const at = markdown.lastIndexOf('## Predictions');
    markdown = markdown.slice(0, at) + ablationMarkdown(ablation.result, ablation.info, '##') + '\n' + markdown.slice(at);
    await writeAblationReport(dir, ablation.result, ablation.info);
  }
  for (let i = 0; i < Math.min(samples, dataset.length); i++) {
    const s = await dataset.get(i);
    const panels = [s.image, overlay(s.image, s.label, dataset.palette, 1)];
    for (const r of reports) {
      const unary = await predictScores(tfjsRunner(r.model), s.image, s.height, s.width);
      panels.push(overlay(s.image, argmax(unary.scores, unary.numClasses), dataset.palette, 1));
    }
    const file = `sample_${i}.png`;
    await writeImagePng(path.join(dir, file), hconcat(panels, s.height, s.width), s.width * panels.length, s.height);
    markdown += `![${s.name}](${file})\n\n`;
  }
  writeFileAtomicSync(path.join(dir, 'README.md'), markdown);
  const json = Object.fromEntries(reports.map((r) => [r.name, r.metrics]));
  writeFileAtomicSync(path.join(dir, 'metrics.json'), JSON.stringify(json, null, 1));
}

/** Places same-size RGB images side by side. */
function hconcat(images: Uint8Array[], height: number, width: number): Uint8Array {
  const out = new Uint8Array(height * width * images.length * 3);
  const rowBytes = width * 3;
  images.forEach((img, k) => {
    for (let y = 0; y < height; y++) {
      out.set(img.subarray(y * rowBytes, (y + 1) * rowBytes), (y * images.length + k) * rowBytes);
    }
  });
  return out;
}
