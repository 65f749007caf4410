/** The ablation result as Markdown (paper's Tables 3 and 2) and JSON, written to a folder. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CrfSettings } from '../crf/settings';
import type { AblationResult } from './ablation';

/** Where each setting came from and what was evaluated, for the report's header. */
export interface AblationInfo {
  data: string;
  split: string;
  joint: string;
  baseline: string;
  scales: number[];
  flip: boolean;
  crf: CrfSettings;
  crfPotts: CrfSettings;
  /** e.g. "stored with the joint model" or "fitted in this run on camvid/val, first 20 images". */
  crfSource: string;
  combineSource: string;
  /** The baseline's own CRF settings and where they and its combination weights came from. */
  baselineCrf: CrfSettings;
  baselineCrfSource: string;
  baselineCombineSource: string;
}

const pct = (x: number | undefined | null) => (x !== undefined && x !== null && Number.isFinite(x) ? (100 * x).toFixed(2) : '–');

function crfText(s: CrfSettings | null): string {
  return s ? `w ${s.w}, λ ${s.lambda}, r ${s.r}, ε ${s.eps}, T ${s.T}${s.subsample > 1 ? `, s ${s.subsample}` : ''}` : 'none';
}

/** Markdown of the ablation: Table 3 rows, per-class IoU, Table 2. `heading` is the top level ('#' or '##'). */
export function ablationMarkdown(result: AblationResult, info: AblationInfo, heading = '#'): string {
  const h2 = `${heading}#`;
  const candidates = info.scales.length * (info.flip ? 2 : 1);
  const ens = `${candidates} candidates: scales ${info.scales.join(', ')}${info.flip ? ' × flip' : ''}`;
  const lines = [
    `${heading} Ablation on ${info.data} (${result.images} images)`,
    '',
    `Rows are cumulative (paper's Table 3, plus a row separating the CRF from the compatibility), up to "+ ground truth label"; ` +
      `the last row is the baseline through the same pipeline with its own fitted CRF and learned weights, the joint ` +
      `model's full pipeline against the baseline's. Every row uses the ` +
      `${ens}, combined by average, except the rows with learned combination or ground truth, which use the learned weights. ` +
      `"single scale" is the same row on the plain image alone (scale 1, not flipped; no learned combination there).`,
    '',
    `- baseline model: \`${info.baseline}\`; joint model: \`${info.joint}\``,
    `- guidance CRF: ${crfText(info.crf)} (${info.crfSource}); λ = 0 row: ${crfText(info.crfPotts)}`,
    `- learned combination weights: ${info.combineSource}`,
    `- baseline's own guidance CRF: ${crfText(info.baselineCrf)} (${info.baselineCrfSource}); its learned combination weights: ${info.baselineCombineSource}`,
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
    `Without CRF, and with the fitted guidance CRF (${crfText(info.crf)}).`,
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

/** Writes `ablation.md` and `ablation.json` into `dir` (created); returns their paths. */
export function writeAblationReport(dir: string, result: AblationResult, info: AblationInfo): { markdown: string; json: string } {
  fs.mkdirSync(dir, { recursive: true });
  const markdown = path.join(dir, 'ablation.md');
  const json = path.join(dir, 'ablation.json');
  fs.writeFileSync(markdown, ablationMarkdown(result, info));
  fs.writeFileSync(json, JSON.stringify(ablationJson(result, info), null, 1));
  return { markdown, json };
}
