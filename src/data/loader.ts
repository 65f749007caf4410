/**
 * Batch loader: walks a data set in shuffled epochs and returns batches as plain
 * typed arrays. Everything random is a pure function of (seed, epoch, position),
 * so the loader's whole state is three numbers and a resumed run sees exactly the
 * batches an uninterrupted one would. The next batch's file reads are started
 * while the caller works on the current one.
 */
import { mixSeed, Rng } from '../util/rng';
import { Transform } from './transforms';
import { Dataset, Sample } from './types';

/** One batch, channels-last. */
export interface Batch {
  /** [B, H, W, 3] RGB values 0..255 (not normalized; the model normalizes). */
  images: Float32Array;
  /** [B, H, W] class ids, 255 = ignore. */
  labels: Uint8Array;
  /** Sample names, in batch order. */
  names: string[];
  /** Dataset indices, in batch order. */
  indices: number[];
  batchSize: number;
  height: number;
  width: number;
}

/** Where a loader stands: enough to continue exactly. */
export interface LoaderState {
  seed: number;
  /** Epoch of the next sample (0-based). */
  epoch: number;
  /** Position of the next sample inside that epoch's order. */
  position: number;
}

/** Options of {@link BatchLoader}. */
export interface LoaderOptions {
  batchSize: number;
  /** Seed of the epoch orders and of the transform's randomness. */
  seed?: number;
  /** Shuffle every epoch (default true); false walks the data set in index order. */
  shuffle?: boolean;
  /** Applied to each sample (e.g. `trainTransform(cfg)`); samples of a batch must end up the same size. */
  transform?: Transform;
  /** Start the next batch's reads in the background (default true). */
  prefetch?: boolean;
}

/**
 * Endless iterator over batches. A batch may straddle two epochs; every sample
 * appears exactly once per epoch.
 */
export class BatchLoader {
  private epoch: number;
  private position: number;
  private readonly seed: number;
  private orderCache: { epoch: number; order: Int32Array } | null = null;
  private pending: { epoch: number; position: number; batch: Promise<Batch> } | null = null;

  constructor(
    readonly dataset: Dataset,
    private readonly options: LoaderOptions,
    state?: LoaderState,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new Error(`batch size must be a positive integer, got ${options.batchSize}`);
    }
    if (dataset.length === 0) throw new Error(`data set ${dataset.type}/${dataset.split} is empty`);
    this.seed = state?.seed ?? options.seed ?? 0;
    this.epoch = state?.epoch ?? 0;
    this.position = state?.position ?? 0;
    if (this.position < 0 || this.position >= dataset.length) {
      throw new Error(`loader state position ${this.position} is outside 0..${dataset.length - 1}`);
    }
  }

  /** A loader continuing from `state` (as returned by {@link getState}). */
  static fromState(dataset: Dataset, options: LoaderOptions, state: LoaderState): BatchLoader {
    return new BatchLoader(dataset, options, state);
  }

  /** The state before the next batch (store it in a checkpoint). */
  getState(): LoaderState {
    return { seed: this.seed, epoch: this.epoch, position: this.position };
  }

  /** Number of batches that make up one epoch (rounded up). */
  get batchesPerEpoch(): number {
    return Math.ceil(this.dataset.length / this.options.batchSize);
  }

  /** The next batch. */
  async next(): Promise<Batch> {
    const { epoch, position } = this;
    const batch =
      this.pending && this.pending.epoch === epoch && this.pending.position === position
        ? this.pending.batch
        : this.load(epoch, position);
    this.pending = null;
    this.advance();
    if (this.options.prefetch !== false) {
      const ahead = { epoch: this.epoch, position: this.position, batch: this.load(this.epoch, this.position) };
      ahead.batch.catch(() => undefined); // reported when awaited, not as an unhandled rejection
      this.pending = ahead;
    }
    return batch;
  }

  private advance(): void {
    this.position += this.options.batchSize;
    this.epoch += Math.floor(this.position / this.dataset.length);
    this.position %= this.dataset.length;
  }

  /** Dataset index of sample `position` of epoch `epoch`. */
  indexAt(epoch: number, position: number): number {
    if (this.options.shuffle === false) return position;
    if (!this.orderCache || this.orderCache.epoch !== epoch) {
      const order = Array.from({ length: this.dataset.length }, (_, i) => i);
      new Rng(mixSeed(this.seed, epoch, 0x0bde5)).shuffle(order);
      this.orderCache = { epoch, order: Int32Array.from(order) };
    }
    return this.orderCache.order[position];
  }

  private async load(epoch: number, position: number): Promise<Batch> {
    const slots: Array<{ index: number; rng: Rng }> = [];
    for (let k = 0, e = epoch, p = position; k < this.options.batchSize; k++) {
      slots.push({ index: this.indexAt(e, p), rng: new Rng(mixSeed(this.seed, e, p + 1)) });
      if (++p === this.dataset.length) [e, p] = [e + 1, 0];
    }
    const samples = await Promise.all(slots.map((s) => this.dataset.get(s.index)));
    const transform = this.options.transform;
    const out = transform ? samples.map((s, k) => transform(s, slots[k].rng)) : samples;
    return collate(out, slots.map((s) => s.index));
  }
}

/** Stacks same-size samples into one {@link Batch}. */
export function collate(samples: Sample[], indices: number[] = samples.map((_, i) => i)): Batch {
  const { height, width } = samples[0];
  const pixels = height * width;
  const images = new Float32Array(samples.length * pixels * 3);
  const labels = new Uint8Array(samples.length * pixels);
  samples.forEach((s, k) => {
    if (s.height !== height || s.width !== width) {
      throw new Error(
        `cannot batch ${s.name} (${s.width}x${s.height}) with ${samples[0].name} (${width}x${height}): ` +
          'use a crop transform or batch size 1',
      );
    }
    images.set(s.image, k * pixels * 3);
    labels.set(s.label, k * pixels);
  });
  return { images, labels, names: samples.map((s) => s.name), indices, batchSize: samples.length, height, width };
}
