/** The ablation result as Markdown (paper's Tables 3 and 2) and JSON, written to a folder. */
import * as path from 'node:path';
import { classBarsChart } from '../report/charts';
import { chartMarkdown, writeChart, type ChartSpec } from '../report/render';
import type { CrfSettings } from '../crf/settings';
import type { Dataset } from '../data/types';
import type { AblationResult } from './ablation';
import type { AblationSetup, ModelSettingsSetup } from './ablation_setup';
import { writeFileAtomicSync } from '../util/atomic_write';

/** One model's settings of the ablation and where each came from. */
export interface AblationModelSettings {
  /** CRF fitted on the averaged candidates, and its best setting with λ = 0. */
  crf: CrfSettings;
  crfPotts: CrfSettings;
  /** CRF fitted on the learned combination. */
  crfLearned: CrfSettings;
  /** e.g. "stored with the joint model" or "fitted in this run on camvid/val, first 20 images". */
  crfSource: string;
  crfLearnedSource: string;
  combineSource: string;
}

/** Where each setting came from and what was evaluated, for the report's header. */
export interface AblationInfo {
  data: string;
  split: string;
  /** Checkpoint folders. */
  joint: string;
  baseline: string;
  scales: number[];
  flip: boolean;
  settings: Record<'joint' | 'baseline', AblationModelSettings>;
  /** A remark on the fitting, added to the header. */
  note?: string;
}

/** The report header's record of an ablation setup. */
export function ablationInfo(
  setup: AblationSetup,
  dataset: Dataset,
  dirs: Record<'joint' | 'baseline', string>,
  note?: string,
): AblationInfo {
  const summary = (m: ModelSettingsSetup): AblationModelSettings => ({
    crf: m.crf,
    crfPotts: m.crfPotts,
    crfLearned: m.crfLearned,
    crfSource: m.crfSource,
    crfLearnedSource: m.crfLearnedSource,
    combineSource: m.combineSource,
  });
  return {
    data: `${dataset.type}/${dataset.split}`,
    split: dataset.split,
    joint: dirs.joint,
    baseline: dirs.baseline,
    scales: setup.settings.scales,
    flip: setup.settings.flip,
    settings: { joint: summary(setup.joint), baseline: summary(setup.baseline) },
    ...(note ? { note } : {}),
  };
}

const pct = (x: number | undefined | null) => (x !== undefined && x !== null && Number.isFinite(x) ? (100 * x).toFixed(2) : '–');

function crfText(s: CrfSettings | null): string {
  return s ? `w ${s.w}, λ ${s.lambda}, r ${s.r}, ε ${s.eps}, T ${s.T}${s.subsample > 1 ? `, s ${s.subsample}` : ''}` : 'none';
}

/** Markdown of the ablation: Table 3 rows, per-class IoU, Table 2. `heading` is the top level ('#' or '##'). */
export function ablationMarkdown(result: AblationResult, info: AblationInfo, heading = '#'): string {
  const h2 = `${heading}#`;
  const { joint, baseline: base } = info.settings;
  const candidates = info.scales.length * (info.flip ? 2 : 1);
  const ens = `${candidates} candidates: scales ${info.scales.join(', ')}${info.flip ? ' × flip' : ''}`;
  const lines = [
    `${heading} Ablation on ${info.data} (${result.images} images)`,
    '',
    `Rows are cumulative (paper's Table 3, plus a row separating the CRF from the compatibility), up to "+ ground truth label"; ` +
      `the last row is the baseline through the same pipeline with its own fitted CRF and learned weights, the joint ` +
      `model's full pipeline against the baseline's. Every row uses the ` +
      `${ens}, combined by average, except the rows with learned combination or ground truth, which use the learned weights ` +
      `(and the CRF fitted on the learned combination). ` +
      `"single scale" is the same row on the plain image alone (scale 1, not flipped; no learned combination there).`,
    '',
    `- baseline model: \`${info.baseline}\`; joint model: \`${info.joint}\``,
    `- guidance CRF on the averaged candidates: ${crfText(joint.crf)} (${joint.crfSource}); λ = 0 row: ${crfText(joint.crfPotts)}`,
    `- learned combination weights: ${joint.combineSource}; guidance CRF on the learned combination: ${crfText(joint.crfLearned)} (${joint.crfLearnedSource})`,
    `- baseline's own learned combination weights: ${base.combineSource}; its guidance CRF on them: ${crfText(base.crfLearned)} (${base.crfLearnedSource})`,
    ...(info.note ? [`- ${info.note}`] : []),
    `- time: ${result.seconds.toFixed(1)} s`,
    '',
    `| row | mIoU % | pixel acc % | mean class acc % | mIoU % single scale | pixel acc % single scale |`,
    '|---|---:|---:|---:|---:|---:|',
    ...result.rows.map(
      (r) =>
        `| ${r.label} | ${pct(r.metrics.mIoU)} | ${pct(r.metrics.pixelAccuracy)} | ${pct(r.metrics.meanClassAccuracy)} | ` +
        `${r.singleScale ? pct(r.singleScale.mIoU) : 'n/a'} | ${r.singleScale ? pct(r.singleScale.pixelAccuracy) : 'n/a'} |`,
    ),
    '',
    `${h2} Per-class IoU % (${ens})`,
    '',
    `| class | ${result.rows.map((r) => r.label).join(' | ')} |`,
    `|---|${result.rows.map(() => '---:').join('|')}|`,
    ...(result.rows[0]?.metrics.perClass ?? []).map(
      (c, i) => `| ${c.name} | ${result.rows.map((r) => pct(r.metrics.perClass[i].iou)).join(' | ')} |`,
    ),
    '',
    `${h2} Combining the candidates (paper's Table 2; joint model, ${ens})`,
    '',
    `Without CRF, and with the fitted guidance CRF (${crfText(joint.crf)}; learned: ${crfText(joint.crfLearned)}).`,
    '',
    '| combine | mIoU % no CRF | pixel acc % no CRF | mIoU % with CRF | pixel acc % with CRF |',
    '|---|---:|---:|---:|---:|',
    ...result.combineTable.map(
      (c) =>
        `| ${c.combine === 'avgmax' ? '(avg + max) / 2' : c.combine} | ${pct(c.noCrf.mIoU)} | ${pct(c.noCrf.pixelAccuracy)} | ` +
        `${pct(c.crf.mIoU)} | ${pct(c.crf.pixelAccuracy)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** JSON form (NaN metrics become null). */
export function ablationJson(result: AblationResult, info: AblationInfo): Record<string, unknown> {
  return {
    ...info,
    images: result.images,
    seconds: result.seconds,
    rows: result.rows.map((r) => ({
      id: r.id,
      label: r.label,
      model: r.model,
      combine: r.combine,
      crf: r.crfSettings,
      oracle: r.oracle,
      metrics: r.metrics,
      singleScale: r.singleScale,
    })),
    combineTable: result.combineTable,
  };
}

/** The rows as grouped bars: mIoU, then the IoU of each class, one bar per row. */
export function ablationChart(result: AblationResult, info: AblationInfo): ChartSpec {
  const classes = result.rows[0]?.metrics.perClass.map((c) => c.name) ?? [];
  return classBarsChart({
    title: `Ablation on ${info.data}: IoU % per class, one bar per row`,
    classes: ['mean (mIoU)', ...classes],
    series: result.rows.map((r) => ({ name: r.label, values: [100 * r.metrics.mIoU, ...r.metrics.perClass.map((c) => 100 * c.iou)] })),
    axis: 'IoU %',
  });
}

/** Writes `ablation.md` (with the chart), `ablation.json` and `ablation_per_class.{svg,png}` into `dir` (created); returns their paths. */
export async function writeAblationReport(dir: string, result: AblationResult, info: AblationInfo): Promise<{ markdown: string; json: string }> {
  const markdown = path.join(dir, 'ablation.md');
  const json = path.join(dir, 'ablation.json');
  const chart = await writeChart(dir, 'ablation_per_class', ablationChart(result, info));
  writeFileAtomicSync(markdown, ablationMarkdown(result, info) + '\n' + chartMarkdown('Ablation rows per class', chart));
  writeFileAtomicSync(json, JSON.stringify(ablationJson(result, info), null, 1));
  return { markdown, json };
}
