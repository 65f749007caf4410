/**
 * Piecewise fitting of the inference settings of a trained model, network
 * frozen: the guidance CRF settings (search on cached unaries) and/or the
 * learned combination weights (L-BFGS on cached candidate pixels), from one
 * network pass over a subset of a split. Returns the metadata to store.
 */
import type { CrfSettings } from '../crf/settings';
import type { Dataset } from '../data/types';
import type { CombineMode } from '../ensemble/combine';
import { learnCombineWeights, type CombineTrainingSet, type LearnCombineResult } from '../ensemble/learn_combine';
import type { NetworkRunner } from '../ensemble/network';
import type { CrfRunner } from '../pipeline/crf_runner';
import { collectFitData, fitSubsetText } from './fit_data';
import { searchCrfSettings, type CrfSearchOptions, type CrfSearchResult, type CrfSearchRow } from './fit_crf';
import type { StoredCombineWeights, StoredCrfAveraged } from '../pipeline/model_settings';

/** What to fit and how. */
export interface FitRequest {
  scales: number[];
  flip: boolean;
  /** Sliding-window tile size; absent = whole images. */
  window?: { height: number; width: number };
  /** Images of the split to fit on: the first `limit` (with `every`: every `every`-th image, at most `limit`). */
  limit?: number;
  every?: number;
  /** Fit the CRF settings (on the unary combined by `crfCombine`, default avg). */
  crf?: CrfSearchOptions & { combine?: CombineMode; learnedWeights?: ArrayLike<number> };
  /** Learn the combination weights from this many random labelled pixels per image. */
  combine?: { pixelsPerImage: number; iterations?: number; seed?: number };
  onImage?: (done: number, total: number) => void;
  onRow?: (row: CrfSearchRow) => void;
}

/** The search record stored as `crfFit` beside `crf`. */
export interface CrfFitRecord {
  data: string;
  images: number;
  scales: number[];
  flip: boolean;
  combine: CombineMode;
  strategy: string;
  evaluated: number;
  mIoU: number;
  unaryMIoU: number;
  /** Best setting with λ = 0 and its mIoU (used for the plain guidance CRF row). */
  potts: CrfSettings | null;
  pottsMIoU: number | null;
}

export interface FitOutcome {
  images: string[];
  crf?: { search: CrfSearchResult; settings: CrfSettings; record: CrfFitRecord };
  /** The learned weights, their stored form, and the cached pixels they were fitted on. */
  combine?: { learned: LearnCombineResult; stored: StoredCombineWeights; set: CombineTrainingSet };
}

/** Fits what `request` asks for on the first `limit` images of `dataset`. */
export async function fitInferenceSettings(
  network: NetworkRunner,
  dataset: Dataset,
  runner: CrfRunner,
  request: FitRequest,
): Promise<FitOutcome> {
  const crfCombine = request.crf ? (request.crf.combine ?? 'avg') : undefined;
  const data = await collectFitData(network, dataset, {
    scales: request.scales,
    flip: request.flip,
    window: request.window,
    limit: request.limit,
    every: request.every,
    crfCombine,
    learnedWeights: request.crf?.learnedWeights,
    combinePixels: request.combine?.pixelsPerImage,
    seed: request.combine?.seed,
    onImage: request.onImage,
  });
  const subset = fitSubsetText(dataset, data.images.length, request.every);
  const out: FitOutcome = { images: data.images };
  if (request.crf) {
    const search = searchCrfSettings(data.crf, dataset.classes, runner, { ...request.crf, onRow: request.onRow ?? request.crf.onRow });
    out.crf = {
      search,
      settings: search.best.settings,
      record: {
        data: subset,
        images: data.images.length,
        scales: request.scales,
        flip: request.flip,
        combine: crfCombine!,
        strategy: request.crf.strategy ?? 'coordinate',
        evaluated: search.rows.length,
        mIoU: search.best.mIoU,
        unaryMIoU: search.unary.mIoU,
        potts: search.potts?.settings ?? null,
        pottsMIoU: search.potts?.mIoU ?? null,
      },
    };
  }
  if (request.combine && data.combine) {
    const learned = learnCombineWeights(data.combine, { iterations: request.combine.iterations });
    out.combine = {
      learned,
      set: data.combine,
      stored: {
        scales: request.scales,
        flip: request.flip,
        numClasses: data.combine.numClasses,
        weights: Array.from(learned.weights),
        fit: {
          data: subset,
          pixels: data.combine.labels.length,
          initialLoss: learned.initialLoss,
          finalLoss: learned.finalLoss,
          iterations: learned.iterations,
        },
      },
    };
  }
  return out;
}

/** A CRF fit on averaged candidates as stored in `crfAveraged`. */
export function averagedCrfRecord(crf: NonNullable<FitOutcome['crf']>): StoredCrfAveraged {
  return { settings: crf.settings, potts: crf.search.potts?.settings ?? null, data: crf.record.data };
}

/**
 * The metadata patch storing a CRF fit: as the model's `crf` when it was
 * fitted on the combination of the model's pipeline (the learned one where
 * weights are stored), and as `crfAveraged` when fitted on averaged candidates.
 */
export function crfFitPatch(crf: NonNullable<FitOutcome['crf']>, hasCombineWeights: boolean): Record<string, unknown> {
  const combine = crf.record.combine;
  const asDefault = combine !== 'avg' || !hasCombineWeights;
  return {
    ...(asDefault ? { crf: crf.settings, crfFit: crf.record } : {}),
    ...(combine === 'avg' ? { crfAveraged: averagedCrfRecord(crf) } : {}),
  };
}

/** The metadata patch storing a fit outcome with the model. */
export function fitMetadataPatch(outcome: FitOutcome): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (outcome.crf) {
    patch.crf = outcome.crf.settings;
    patch.crfFit = outcome.crf.record;
  }
  if (outcome.combine) patch.combineWeights = outcome.combine.stored;
  return patch;
}
