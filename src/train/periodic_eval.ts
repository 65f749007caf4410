/**
 * Validation during training (`train.evalInterval`): the model as it stands,
 * single scale and no CRF, on data.valSplit; each result is a `valMIoU` record
 * of metrics.jsonl, and the best model so far is kept in `<work dir>/best`.
 */
import * as fs from 'node:fs';
import type { Config } from '../config/schema';
import { badSamplesError, findBadSamples } from '../data/check';
import { buildDataset } from '../data/registry';
import type { Dataset } from '../data/types';
import { evaluateDataset } from '../eval/evaluate';
import { saveWeights } from '../model/serialization';
import type { Segmentor } from '../model/types';
import { DEFAULT_PIPELINE, scorePredictor } from '../pipeline/predictor';
import { openModelNetwork } from '../pipeline/runtime';
import type { MetricsLog } from './metrics_log';
import { bestModelDir } from './run_folder';

/** One validation's figures. */
export interface ValidationRecord {
  iteration: number;
  valMIoU: number;
  valPixelAccuracy: number;
  valImages: number;
  valSeconds: number;
}

/** Runs the validations of one training run. */
export class PeriodicValidation {
  private best: { iteration: number; mIoU: number } | null = null;

  private constructor(
    readonly interval: number,
    private readonly dataset: Dataset,
    private readonly limit: number | undefined,
    private readonly workDir: string,
  ) {}

  /**
   * The validation of `config` (null without `train.evalInterval`); its split is read once now, so a
   * missing, corrupt or mismatched pair stops the run before it starts, not at the first validation.
   */
  static async open(config: Config, workDir: string): Promise<PeriodicValidation | null> {
    const interval = config.train.evalInterval;
    if (interval === undefined) return null;
    const dataset = buildDataset(config.data, config.data.valSplit);
    if (dataset.classes.length !== config.model.numClasses) {
      throw new Error(`train.evalInterval: data set ${dataset.type}/${dataset.split} has ${dataset.classes.length} classes, the model ${config.model.numClasses}`);
    }
    const bad = await findBadSamples(dataset);
    if (bad.length) throw new Error(`train.evalInterval: ${badSamplesError(dataset, bad).message}`);
    return new PeriodicValidation(interval, dataset, config.train.evalLimit, workDir);
  }

  /** On resume: the best figure so far, from the log's records up to `resumedAt`. */
  restore(logFile: string, resumedAt: number): void {
    if (fs.existsSync(logFile)) {
      for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
        let r: Partial<ValidationRecord>;
        try {
          r = JSON.parse(line) as Partial<ValidationRecord>;
        } catch {
          continue;
        }
        if (typeof r.valMIoU === 'number' && typeof r.iteration === 'number' && r.iteration <= resumedAt) this.consider(r.iteration, r.valMIoU);
      }
    }
  }

  /** Whether iteration `iteration` of `total` validates (every interval, and the last). */
  due(iteration: number, total: number): boolean {
    return iteration % this.interval === 0 || iteration === total;
  }

  /** Validates `model`, logs the record, and saves the model as best when it is. */
  async run(model: Segmentor, iteration: number, log: MetricsLog, metadata: Record<string, unknown>): Promise<ValidationRecord> {
    const started = performance.now();
    const network = await openModelNetwork(model);
    let metrics;
    let images;
    try {
      const r = await evaluateDataset(this.dataset, scorePredictor(network, DEFAULT_PIPELINE), { numClasses: model.config.numClasses, limit: this.limit });
      metrics = r.metrics;
      images = r.images;
    } finally {
      await network.release();
    }
    const record: ValidationRecord = { iteration, valMIoU: metrics.mIoU, valPixelAccuracy: metrics.pixelAccuracy, valImages: images, valSeconds: (performance.now() - started) / 1000 };
    log.write({ ...record, time: new Date().toISOString() });
    const improved = this.consider(iteration, metrics.mIoU);
    if (improved) await saveWeights(bestModelDir(this.workDir), model, { ...metadata, iteration, valMIoU: metrics.mIoU, valSplit: `${this.dataset.type}/${this.dataset.split}` });
    process.stderr.write(
      `\nvalidation at iteration ${iteration}: mIoU ${(100 * metrics.mIoU).toFixed(2)} % on ${images} images of ${this.dataset.type}/${this.dataset.split}` +
        `${improved ? ' (best so far: saved to best/)' : ` (best ${(100 * this.best!.mIoU).toFixed(2)} % at ${this.best!.iteration})`}\n`,
    );
    return record;
  }

  private consider(iteration: number, mIoU: number): boolean {
    if (this.best && !(mIoU > this.best.mIoU)) return false;
    this.best = { iteration, mIoU };
    return true;
  }
}
