/**
 * The training loop: builds model, data and optimizer from a `Config`, runs
 * SGD with the poly schedule, logs every step to `metrics.jsonl`, saves
 * atomic checkpoints, and resumes exactly from the newest one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Config } from '../config/schema';
import { BatchLoader } from '../data/loader';
import { badSamplesError, findBadSamples } from '../data/check';
import { buildDataset } from '../data/registry';
import type { Dataset } from '../data/types';
import { trainTransform } from '../data/transforms';
import { buildSegmentor, withGlobalBranch } from '../model/build';
import type { GuidedSegmentor } from '../model/segmentor';
import { loadPretrained } from '../weights/pretrained';
import { saveWeights } from '../model/serialization';
import type { Segmentor } from '../model/types';
import { loadCheckpointInto, saveCheckpoint } from './checkpoint';
import { finalModelDir, listCheckpoints, METRICS_FILE, readRunConfig, RUN_CONFIG_FILE } from './run_folder';
import { polyLearningRate } from './lr_schedule';
import { MetricsLog } from './metrics_log';
import { TrainProgress } from './progress';
import { createStepRunner } from './parallel/step_runner';
import { checkLrMultipliers } from './lr_mult';
import { medianFrequencyWeights } from './loss';
import { refitGlobalBranch, type GlobalRefitRecord } from './refit_global';
import { MomentumSgd } from './sgd';
import { IGNORE_INDEX } from '../data/types';
import type { StepLosses } from './train_step';
import { writeFileAtomicSync } from '../util/atomic_write';
import { lockWorkDir } from './work_dir_lock';
import { PeriodicValidation } from './periodic_eval';

export interface TrainOptions {
  /** Folder of the run: config.json, metrics.jsonl, checkpoints/, final/. */
  workDir: string;
  /** Continue from the newest checkpoint in `workDir`. */
  resume?: boolean;
  /** Live progress bar (default: when stderr is a terminal). */
  interactive?: boolean;
  /** Stop after this many iterations of this call (tests use it to simulate an interrupted run). */
  stopAfter?: number;
  /** Called after every step. */
  onStep?: (iteration: number, losses: StepLosses) => void;
  /** Progress of the up-front read of the whole training split. */
  onDataCheck?: (done: number, total: number) => void;
}

export interface TrainResult {
  model: Segmentor;
  /** Completed iterations. */
  iteration: number;
  /** Folder of the final model (model.json + weights.bin), when training completed. */
  finalDir: string | null;
  /** True when the run stopped early (interrupt or `stopAfter`). */
  interrupted: boolean;
}

/** Trains the model of `config`; the returned model belongs to the caller (dispose it). */
export async function train(config: Config, opts: TrainOptions): Promise<TrainResult> {
  const { workDir } = opts;
  const tc = config.train;
  const existing = listCheckpoints(workDir);
  if (existing.length && !opts.resume) {
    throw new Error(`${workDir} already holds a run's checkpoints: pass --resume to continue it, or choose another work dir`);
  }
  // Everything is checked before the work dir is touched.
  const dataset = buildDataset(config.data, config.data.trainSplit);
  if (dataset.classes.length !== config.model.numClasses) {
    throw new Error(
      `model.numClasses is ${config.model.numClasses} but data set ${dataset.type}/${dataset.split} has ${dataset.classes.length} classes (${dataset.classes.join(', ')})`,
    );
  }
  // Every pair is read once now, so a bad file late in the list stops the run before it starts, with all the others.
  const bad = await findBadSamples(dataset, opts.onDataCheck);
  if (bad.length) throw badSamplesError(dataset, bad);
  const validation = await PeriodicValidation.open(config, workDir);
  if (opts.resume && fs.existsSync(path.join(workDir, RUN_CONFIG_FILE))) {
    const previous = readRunConfig(workDir).model;
    if (JSON.stringify(previous) !== JSON.stringify(config.model)) {
      throw new Error(`${path.join(workDir, RUN_CONFIG_FILE)}: the run was trained with another model section; --resume needs the same model config (nothing was changed)`);
    }
  }
  const model = buildSegmentor(config.model, tc.seed);
  const optimizer = new MomentumSgd({ momentum: tc.momentum, weightDecay: tc.weightDecay, lrMult: tc.lrMult });
  let release: (() => void) | undefined;
  try {
    checkLrMultipliers(
      tc.lrMult,
      model.namedTrainableVariables().map(([name]) => name),
    );
    release = lockWorkDir(workDir, (owner) => process.stderr.write(`${workDir}: took over the stale lock of ${owner}\n`));
    writeFileAtomicSync(path.join(workDir, RUN_CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
    return await runTraining(config, opts, listCheckpoints(workDir), dataset, model, optimizer, validation);
  } catch (err) {
    // The model belongs to the caller only when training returns.
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
    release?.();
  }
}

async function runTraining(
  config: Config,
  opts: TrainOptions,
  existing: string[],
  dataset: Dataset,
  model: GuidedSegmentor,
  optimizer: MomentumSgd,
  validation: PeriodicValidation | null,
): Promise<TrainResult> {
  const { workDir } = opts;
  const tc = config.train;
  // Stored with every saved model so `predict` can name and colour the classes.
  const metadata = { classes: dataset.classes, palette: dataset.palette, trainedOn: `${config.data.type}/${config.data.trainSplit}` };
  const log = new MetricsLog(path.join(workDir, METRICS_FILE));

  let start = 0;
  let loaderState;
  if (opts.resume && existing.length) {
    // The newest intact checkpoint: a corrupt newer one is reported and passed over.
    let state: Awaited<ReturnType<typeof loadCheckpointInto>> | null = null;
    let firstError: Error | null = null;
    for (const dir of existing) {
      try {
        state = await loadCheckpointInto(dir, model, optimizer);
        if (firstError) process.stderr.write(`resuming from the newest intact checkpoint, ${dir}\n`);
        process.stderr.write(`resumed from ${dir} at iteration ${state.iteration}\n`);
        break;
      } catch (err) {
        firstError ??= err as Error;
        process.stderr.write(`${dir}: cannot resume from it: ${(err as Error).message}\n`);
      }
    }
    if (!state) throw firstError!;
    start = state.iteration;
    loaderState = state.loader;
  } else if (loadPretrained(model, config.model)) {
    process.stderr.write(`backbone initialized from ${(config.model.backbone as { pretrained?: string }).pretrained}\n`);
  }
  // Steps logged after the newest checkpoint (or by a run killed before its first one) are redone.
  log.truncateAfter(start);
  validation?.restore(log.file, start);
  const loader = new BatchLoader(
    dataset,
    { batchSize: tc.batchSize, seed: tc.seed, transform: trainTransform(tc) },
    loaderState,
  );

  const classWeights = await resolveClassWeights(tc.classWeights, dataset, model.config.numClasses);
  if (classWeights) process.stderr.write(`class weights: ${Array.from(classWeights, (w) => w.toFixed(3)).join(', ')}\n`);
  // One process, or `train.workers` threads sharing one training state.
  const runner = await createStepRunner(config, model, optimizer, classWeights);
  const save = async (iteration: number) => {
    runner.sync();
    await saveCheckpoint(workDir, model, optimizer, { iteration, loader: loader.getState() }, metadata);
  };
  let stopRequested = false;
  // Ctrl-C and SIGTERM (kill, a scheduler's stop) both save a checkpoint after the current step.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) process.exit(signal === 'SIGTERM' ? 143 : 130);
    stopRequested = true;
    process.stderr.write(`\n${signal === 'SIGTERM' ? 'terminate' : 'interrupt'}: saving a checkpoint after this step (signal again to quit now)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = new TrainProgress(tc.iterations, start, tc.logInterval, opts.interactive);
  let iteration = start;
  let interrupted = false;
  try {
    let lastSaved = start;
    for (; iteration < tc.iterations; ) {
      if (stopRequested || (opts.stopAfter !== undefined && iteration - start >= opts.stopAfter)) {
        interrupted = true;
        break;
      }
      const lr = polyLearningRate(tc.baseLr, iteration, tc.iterations, tc.lrPower);
      const t0 = performance.now();
      // A prefetched batch resolves as a microtask, which never lets signal handlers run: yield to the event loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const batch = await loader.next();
      const losses = await runner.step(batch, iteration, lr);
      const seconds = (performance.now() - t0) / 1000;
      iteration++;
      const imagesPerSecond = batch.batchSize / seconds;
      log.write({
        iteration,
        lr,
        loss: losses.total,
        ce: losses.ce,
        ...(losses.cls !== undefined ? { cls: losses.cls } : {}),
        imagesPerSecond,
        seconds,
        tensors: tf.memory().numTensors,
        time: new Date().toISOString(),
      });
      progress.update(iteration, {
        loss: losses.total,
        terms: { ce: losses.ce, ...(losses.cls !== undefined ? { cls: losses.cls } : {}) },
        lr,
        imagesPerSecond,
      });
      opts.onStep?.(iteration, losses);
      if (validation?.due(iteration, tc.iterations)) {
        runner.sync();
        await validation.run(model, iteration, log, metadata);
      }
      if (iteration % tc.checkpointInterval === 0 && iteration < tc.iterations) {
        await save(iteration);
        lastSaved = iteration;
      }
    }
    if (iteration > lastSaved) await save(iteration);
    runner.sync();
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runner.close();
  }
  let finalDir: string | null = null;
  let finalModel: GuidedSegmentor = model;
  if (!interrupted) {
    let refit: GlobalRefitRecord | undefined;
    const addedBranch = tc.globalRefit !== undefined && model.clsHead === null;
    if (addedBranch) {
      process.stderr.write('adding a global branch (clsNet) to the trained baseline\n');
      finalModel = withGlobalBranch(model, tc.seed);
    }
    try {
      if (tc.globalRefit) {
        process.stderr.write(`refitting the global branch on whole ${dataset.type}/${dataset.split} images at scales ${tc.globalRefit.scales.join(', ')}\n`);
        const { momentum, weightDecay, seed } = tc;
        refit = await refitGlobalBranch(finalModel, dataset, tc.globalRefit, {
          momentum,
          weightDecay,
          lrPower: tc.lrPower,
          clsLossWeight: tc.globalRefit.clsLossWeight ?? (addedBranch ? 1 : tc.clsLossWeight),
          classWeights: tc.globalRefit.classWeights ? classWeights : undefined,
          seed,
        });
        if (addedBranch) refit = { ...refit, addedBranch };
        process.stderr.write(`global branch refitted: BCE ${refit.before.cls.toFixed(4)} -> ${refit.after.cls.toFixed(4)}\n`);
      }
      finalDir = finalModelDir(workDir);
      await saveWeights(finalDir, finalModel, { ...metadata, iteration, ...(refit ? { globalRefit: refit } : {}) });
    } catch (err) {
      // The caller disposes the trained model on error; the joint copy is this function's.
      if (finalModel !== model) finalModel.dispose();
      throw err;
    }
    if (finalModel !== model) model.dispose();
  }
  return { model: finalModel, iteration, finalDir, interrupted };
}

/** `train.classWeights` as an array: a list as given (length checked), or median-frequency weights of the split. */
export async function resolveClassWeights(
  setting: Config['train']['classWeights'],
  dataset: Dataset,
  numClasses: number,
): Promise<Float32Array | undefined> {
  if (setting === undefined) return undefined;
  if (setting !== 'median-frequency') {
    if (setting.length !== numClasses) throw new Error(`train.classWeights: ${setting.length} weights for ${numClasses} classes`);
    return Float32Array.from(setting);
  }
  const counts = Array.from({ length: numClasses }, () => ({ pixels: 0, imagePixels: 0 }));
  for (let i = 0; i < dataset.length; i++) {
    const { label } = await dataset.get(i);
    const perClass = new Float64Array(numClasses);
    let labelled = 0;
    for (const c of label) {
      if (c === IGNORE_INDEX) continue;
      if (c >= numClasses) throw new Error(`${dataset.type}/${dataset.split} sample ${i}: label value ${c} out of range 0..${numClasses - 1}`);
      perClass[c]++;
      labelled++;
    }
    perClass.forEach((n, c) => {
      if (n > 0) {
        counts[c].pixels += n;
        counts[c].imagePixels += labelled;
      }
    });
  }
  return medianFrequencyWeights(counts);
}
