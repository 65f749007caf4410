/**
 * One pass of the network over a subset of a split that caches what the
 * piecewise fitting needs, so the searches afterwards cost no network time:
 * each image's combined unary and global scores (CRF search) and random
 * labelled pixels of every candidate (learn to combine).
 */
import type { Dataset } from '../data/types';
import { combineMaps, meanGlobalScores } from '../ensemble/combine';
import type { CombineMode } from '../ensemble/combine';
import { imageCandidateMaps, type NetworkRunner } from '../ensemble/network';
import { CombineSampleCollector, type CombineTrainingSet } from '../ensemble/learn_combine';

/** One cached image for the CRF search. */
export interface CrfFitSample {
  name: string;
  image: Uint8Array;
  label: Uint8Array;
  height: number;
  width: number;
  /** Combined unary, H·W·L. */
  unary: Float32Array;
  /** Averaged global scores; null for a baseline model. */
  global: Float32Array | null;
}

/** Options of {@link collectFitData}. */
export interface FitDataOptions {
  scales: number[];
  flip: boolean;
  /** Sliding-window tile size (ensemble/sliding_window.ts); absent = whole images. */
  window?: { height: number; width: number };
  /** Images of the split to use (default all): the first `limit`, or with `every`, every `every`-th image from the first. */
  limit?: number;
  /** Take every `every`-th image of the split (0, every, 2·every, …; default 1). */
  every?: number;
  /** Cache combined unaries for the CRF search, combined this way (default: none cached). */
  crfCombine?: CombineMode;
  /** Weights [N × L] when `crfCombine` is `learned`. */
  learnedWeights?: ArrayLike<number>;
  /** Cache this many random labelled pixels per image for learning the combination (default: none). */
  combinePixels?: number;
  seed?: number;
  onImage?: (done: number, total: number) => void;
}

/** What {@link collectFitData} cached. */
export interface FitData {
  /** Names of the images used (the first `limit` of the split). */
  images: string[];
  crf: CrfFitSample[];
  combine: CombineTrainingSet | null;
}

/** Runs the network once per candidate on the first `limit` images of `dataset`. */
export async function collectFitData(network: NetworkRunner, dataset: Dataset, opts: FitDataOptions): Promise<FitData> {
  const every = opts.every ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new Error(`collectFitData: every must be a positive integer, got ${every}`);
  const total = Math.min(Math.ceil(dataset.length / every), opts.limit ?? Infinity);
  if (total < 1) throw new Error(`data set ${dataset.type}/${dataset.split} has no image to fit on`);
  const collector = opts.combinePixels ? new CombineSampleCollector(opts.combinePixels, opts.seed ?? 0) : null;
  const out: FitData = { images: [], crf: [], combine: null };
  for (let i = 0; i < total; i++) {
    const s = await dataset.get(i * every);
    const maps = await imageCandidateMaps(network, s.image, s.height, s.width, opts);
    out.images.push(s.name);
    if (opts.crfCombine) {
      out.crf.push({
        name: s.name,
        image: s.image,
        label: s.label,
        height: s.height,
        width: s.width,
        unary: combineMaps(maps, opts.crfCombine, opts.learnedWeights),
        global: meanGlobalScores(maps),
      });
    }
    collector?.add(maps, s.label);
    opts.onImage?.(i + 1, total);
  }
  out.combine = collector ? collector.build() : null;
  return out;
}

/** How a fit subset is named in records and reports, e.g. "camvid/val, first 20 images". */
export function fitSubsetText(dataset: Pick<Dataset, 'type' | 'split'>, images: number, every = 1): string {
  const where = `${dataset.type}/${dataset.split}`;
  return every > 1 ? `${where}, one image in ${every} from the first (${images} images)` : `${where}, first ${images} images`;
}
