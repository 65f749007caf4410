/**
 * The settings of the ablation rows: each model's stored CRF settings and
 * learned combination weights, or, where absent (or when asked), fitted first
 * on the first images of the split, with a record of where each came from.
 * The joint model's settings drive the paper's rows; the baseline's own drive
 * the "baseline, same pipeline" row, so the two models are also compared
 * pipeline against pipeline.
 */
import type { CrfSettings } from '../crf/settings';
import type { Dataset } from '../data/types';
import type { Segmentor } from '../model/types';
import type { AblationSettings } from './ablation';
import type { CrfRunner } from './crf_runner';
import type { CrfSearchRow, CrfSearchSpace } from './fit_crf';
import { fitInferenceSettings, fitMetadataPatch, type FitOutcome } from './fit_settings';
import { inferenceSettingsFromMetadata, updateCheckpointMetadata } from './model_settings';

/** Options of {@link prepareAblationSettings}. */
export interface AblationSetupOptions {
  scales: number[];
  flip: boolean;
  /** `missing`: fit what a model lacks; `always`: refit both settings of both models; `never`: fail when something is missing. */
  fit: 'missing' | 'always' | 'never';
  /** Images (the first of the split) to fit on. */
  fitLimit: number;
  space?: CrfSearchSpace;
  strategy?: 'coordinate' | 'grid';
  combinePixels?: number;
  combineIterations?: number;
  onImage?: (done: number, total: number) => void;
  onRow?: (row: CrfSearchRow) => void;
}

/** A model of the ablation with what its checkpoint stores. */
export interface AblationModel {
  model: Segmentor;
  metadata: Record<string, unknown> | undefined;
  /** The checkpoint folder, for messages. */
  checkpoint: string;
}

/** One model's inference settings and where they came from. */
export interface ModelSettingsSetup {
  crf: CrfSettings;
  /** The best setting with λ = 0. */
  crfPotts: CrfSettings;
  combineWeights: ArrayLike<number>;
  crfSource: string;
  combineSource: string;
  /** What was fitted in this run (to store with the model if wanted); null when nothing was. */
  fitted: FitOutcome | null;
}

export interface AblationSetup {
  settings: AblationSettings;
  joint: ModelSettingsSetup;
  baseline: ModelSettingsSetup;
}

/** Stored settings of one model, or fitted ones; `role` names the model in messages. */
export async function prepareModelSettings(
  { model, metadata, checkpoint }: AblationModel,
  role: 'joint' | 'baseline',
  dataset: Dataset,
  runner: CrfRunner,
  opts: AblationSetupOptions,
): Promise<ModelSettingsSetup> {
  const stored = inferenceSettingsFromMetadata(metadata, model.config.numClasses, `${checkpoint}/model.json`);
  const cw = stored.combineWeights;
  const weightsMatch = cw !== undefined && cw.flip === opts.flip && cw.scales.length === opts.scales.length && cw.scales.every((s, i) => s === opts.scales[i]);
  const needCrf = opts.fit === 'always' || stored.crf === undefined;
  const needCombine = opts.fit === 'always' || !weightsMatch;
  if (opts.fit === 'never' && (needCrf || needCombine)) {
    const missing = [
      needCrf ? 'fitted CRF settings (userDefinedMetadata.crf; run `guideseg fit-crf`)' : '',
      needCombine
        ? cw
          ? `learned weights for scales [${opts.scales.join(', ')}]${opts.flip ? ' × flip' : ''} (stored ones are for [${cw.scales.join(', ')}]${cw.flip ? ' × flip' : ''}; run \`guideseg learn-combine\`)`
          : 'learned combination weights (userDefinedMetadata.combineWeights; run `guideseg learn-combine`)'
        : '',
    ].filter(Boolean);
    throw new Error(`${checkpoint}: the ${role} model lacks ${missing.join(' and ')}; fit them or allow fitting in this run`);
  }
  let fitted: FitOutcome | null = null;
  if (needCrf || needCombine) {
    fitted = await fitInferenceSettings(model, dataset, runner, {
      scales: opts.scales,
      flip: opts.flip,
      limit: opts.fitLimit,
      crf: needCrf ? { space: opts.space, strategy: opts.strategy, start: stored.crf } : undefined,
      combine: needCombine ? { pixelsPerImage: opts.combinePixels ?? 4096, iterations: opts.combineIterations } : undefined,
      onImage: opts.onImage,
      onRow: opts.onRow,
    });
  }
  const fittedOn = `fitted in this run on ${dataset.type}/${dataset.split}, first ${fitted?.images.length ?? 0} images`;
  const crf = fitted?.crf?.settings ?? stored.crf!;
  const storedFit = (metadata?.crfFit as { data?: string } | undefined)?.data;
  const storedCombineFit = (cw?.fit as { data?: string } | undefined)?.data;
  return {
    crf,
    crfPotts: (fitted?.crf ? fitted.crf.search.potts?.settings : stored.crfPotts) ?? { ...crf, lambda: 0 },
    combineWeights: fitted?.combine?.stored.weights ?? cw!.weights,
    crfSource: fitted?.crf ? fittedOn : `stored with the ${role} model${storedFit ? ` (fitted on ${storedFit})` : ''}`,
    combineSource: fitted?.combine
      ? `${fittedOn} (mean CE ${fitted.combine.learned.initialLoss.toFixed(4)} at avg → ${fitted.combine.learned.finalLoss.toFixed(4)})`
      : `stored with the ${role} model${storedCombineFit ? ` (fitted on ${storedCombineFit})` : ''}`,
    fitted,
  };
}

/** The settings of every ablation row: the joint model's, then the baseline's own. */
export async function prepareAblationSettings(
  models: { joint: AblationModel; baseline: AblationModel },
  dataset: Dataset,
  runner: CrfRunner,
  opts: AblationSetupOptions,
): Promise<AblationSetup> {
  const joint = await prepareModelSettings(models.joint, 'joint', dataset, runner, opts);
  const baseline = await prepareModelSettings(models.baseline, 'baseline', dataset, runner, opts);
  return {
    settings: {
      scales: opts.scales,
      flip: opts.flip,
      crf: joint.crf,
      crfPotts: joint.crfPotts,
      combineWeights: joint.combineWeights,
      baseline: { crf: baseline.crf, combineWeights: baseline.combineWeights },
    },
    joint,
    baseline,
  };
}

/** Stores what this run fitted with each model's checkpoint folder; returns the folders written. */
export async function saveFittedSettings(setup: AblationSetup, dirs: Record<'joint' | 'baseline', string>): Promise<string[]> {
  const written: string[] = [];
  for (const role of ['joint', 'baseline'] as const) {
    const fitted = setup[role].fitted;
    if (!fitted) continue;
    await updateCheckpointMetadata(dirs[role], fitMetadataPatch(fitted));
    written.push(dirs[role]);
  }
  return written;
}
