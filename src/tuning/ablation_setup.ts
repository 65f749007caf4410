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
import type { NetworkRunner } from '../ensemble/network';
import type { AblationSettings } from './ablation';
import type { CrfRunner } from '../pipeline/crf_runner';
import type { CrfSearchRow, CrfSearchSpace } from './fit_crf';
import { averagedCrfRecord, fitInferenceSettings, fitMetadataPatch, type FitOutcome } from './fit_settings';
import { fitSubsetText } from './fit_data';
import { inferenceSettingsFromMetadata, type StoredCrfAveraged } from '../pipeline/model_settings';
import { updateCheckpointMetadata } from '../model/serialization';

/** Options of {@link prepareAblationSettings}. */
export interface AblationSetupOptions {
  scales: number[];
  flip: boolean;
  /** `missing`: fit what a model lacks; `always`: refit both settings of both models; `never`: fail when something is missing. */
  fit: 'missing' | 'always' | 'never';
  /** Images to fit on (the first of the fit split; with `fitEvery`, every `fitEvery`-th, at most this many). */
  fitLimit: number;
  /** Fit on every `fitEvery`-th image (default 1: the first `fitLimit`). */
  fitEvery?: number;
  /** Split to fit on (default: the evaluated one). */
  fitDataset?: Dataset;
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
  /** The model's network on the runtime chosen for this run. */
  network: NetworkRunner;
  metadata: Record<string, unknown> | undefined;
  /** The checkpoint folder, for messages. */
  checkpoint: string;
}

/** One model's inference settings and where they came from. */
export interface ModelSettingsSetup {
  /** Fitted on the averaged candidates. */
  crf: CrfSettings;
  /** The best setting with λ = 0 of the same search. */
  crfPotts: CrfSettings;
  /** Fitted on the learned combination. */
  crfLearned: CrfSettings;
  combineWeights: ArrayLike<number>;
  crfSource: string;
  crfLearnedSource: string;
  combineSource: string;
  /** What was fitted in this run (to store with the model if wanted); null when nothing was. */
  fitted: FitOutcome | null;
  /** The averaged-candidates CRF with its record, stored as `crfAveraged` when settings are saved. */
  crfAveraged: StoredCrfAveraged;
  /** Whether `crfAveraged` was fitted in this run. */
  fittedAveraged: boolean;
}

export interface AblationSetup {
  settings: AblationSettings;
  joint: ModelSettingsSetup;
  baseline: ModelSettingsSetup;
}

/**
 * Stored settings of one model, or fitted ones; `role` names the model in
 * messages. A stored CRF serves the rows of the combination it was fitted on
 * (`crfFit.combine`); the other one is fitted. Fitting takes one network pass
 * over the fit images for the averaged CRF and the combination weights, and a
 * second for the CRF on the learned combination (it needs the weights).
 */
export async function prepareModelSettings(
  { model, network, metadata, checkpoint }: AblationModel,
  role: 'joint' | 'baseline',
  dataset: Dataset,
  runner: CrfRunner,
  opts: AblationSetupOptions,
): Promise<ModelSettingsSetup> {
  const stored = inferenceSettingsFromMetadata(metadata, model.config.numClasses, `${checkpoint}/model.json`);
  const cw = stored.combineWeights;
  const weightsMatch = cw !== undefined && cw.flip === opts.flip && cw.scales.length === opts.scales.length && cw.scales.every((s, i) => s === opts.scales[i]);
  const reuse = opts.fit !== 'always';
  const storedAvg: StoredCrfAveraged | undefined =
    stored.crfAveraged ?? (stored.crf && stored.crfCombine === 'avg' ? { settings: stored.crf, potts: stored.crfPotts ?? null, data: storedFitData(metadata) ?? '' } : undefined);
  const storedLearned = stored.crf && stored.crfCombine === 'learned' && weightsMatch ? stored.crf : undefined;
  const needCombine = !reuse || !weightsMatch;
  const needCrf = !reuse || storedAvg === undefined;
  // New weights make a stored learned-combination CRF stale.
  const needCrfLearned = needCombine || storedLearned === undefined;
  if (opts.fit === 'never' && (needCrf || needCrfLearned || needCombine)) {
    const missing = [
      needCrf ? 'CRF settings fitted on averaged candidates (run `guideseg fit-crf --combine avg`)' : '',
      needCombine
        ? cw
          ? `learned weights for scales [${opts.scales.join(', ')}]${opts.flip ? ' × flip' : ''} (stored ones are for [${cw.scales.join(', ')}]${cw.flip ? ' × flip' : ''}; run \`guideseg learn-combine\`)`
          : 'learned combination weights (userDefinedMetadata.combineWeights; run `guideseg learn-combine`)'
        : '',
      needCrfLearned ? 'CRF settings fitted on the learned combination (run `guideseg fit-crf --combine learned`)' : '',
    ].filter(Boolean);
    throw new Error(`${checkpoint}: the ${role} model lacks ${missing.join(' and ')}; fit them or allow fitting in this run`);
  }
  const common = { scales: opts.scales, flip: opts.flip, limit: opts.fitLimit, every: opts.fitEvery, onImage: opts.onImage, onRow: opts.onRow };
  const fitSet = opts.fitDataset ?? dataset;
  const crfSearch = { space: opts.space, strategy: opts.strategy, start: stored.crf };
  const first =
    needCrf || needCombine
      ? await fitInferenceSettings(network, fitSet, runner, {
          ...common,
          crf: needCrf ? crfSearch : undefined,
          combine: needCombine ? { pixelsPerImage: opts.combinePixels ?? 4096, iterations: opts.combineIterations } : undefined,
        })
      : null;
  const combineWeights = first?.combine?.stored.weights ?? cw!.weights;
  const second = needCrfLearned
    ? await fitInferenceSettings(network, fitSet, runner, { ...common, crf: { ...crfSearch, combine: 'learned', learnedWeights: combineWeights } })
    : null;
  const fittedOn = `fitted in this run on ${fitSubsetText(fitSet, (first ?? second)?.images.length ?? 0, opts.fitEvery)}`;
  const storedSource = (data: string | undefined) => `stored with the ${role} model${data ? ` (fitted on ${data})` : ''}`;
  const storedCombineFit = (cw?.fit as { data?: string } | undefined)?.data;
  const crf = first?.crf?.settings ?? storedAvg!.settings;
  // What a model stores is its default pipeline's: the CRF fitted on the learned combination, and the weights.
  const fitted: FitOutcome | null = first || second ? { images: (first ?? second)!.images, crf: second?.crf, combine: first?.combine } : null;
  return {
    crf,
    crfPotts: (first?.crf ? first.crf.search.potts?.settings : storedAvg!.potts) ?? { ...crf, lambda: 0 },
    crfLearned: second?.crf?.settings ?? storedLearned!,
    combineWeights,
    crfSource: first?.crf ? fittedOn : storedSource(storedAvg!.data),
    crfLearnedSource: second?.crf ? fittedOn : storedSource(storedFitData(metadata)),
    combineSource: first?.combine
      ? `${fittedOn} (mean CE ${first.combine.learned.initialLoss.toFixed(4)} at avg → ${first.combine.learned.finalLoss.toFixed(4)})`
      : storedSource(storedCombineFit),
    fitted,
    crfAveraged: first?.crf ? averagedCrfRecord(first.crf) : storedAvg!,
    fittedAveraged: first?.crf !== undefined,
  };
}

/** The `crfFit.data` record of a checkpoint's metadata, if any. */
function storedFitData(metadata: Record<string, unknown> | undefined): string | undefined {
  return (metadata?.crfFit as { data?: string } | undefined)?.data;
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
      crfLearned: joint.crfLearned,
      combineWeights: joint.combineWeights,
      baseline: { crf: baseline.crf, crfLearned: baseline.crfLearned, combineWeights: baseline.combineWeights },
    },
    joint,
    baseline,
  };
}

/** Stores what this run fitted with each model's checkpoint folder; returns the folders written. */
export async function saveFittedSettings(setup: AblationSetup, dirs: Record<'joint' | 'baseline', string>): Promise<string[]> {
  const written: string[] = [];
  for (const role of ['joint', 'baseline'] as const) {
    const { fitted, fittedAveraged, crfAveraged } = setup[role];
    if (!fitted && !fittedAveraged) continue;
    // `crf` becomes the learned combination's; the averaged one is kept beside it.
    await updateCheckpointMetadata(dirs[role], { ...(fitted ? fitMetadataPatch(fitted) : {}), crfAveraged });
    written.push(dirs[role]);
  }
  return written;
}
