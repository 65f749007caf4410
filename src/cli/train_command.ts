/** `guideseg train`: trains a model from a config file and/or options. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeTrainingReport } from '../report/training_report';
import { Command, Option } from 'commander';
import { badSamplesError, findBadSamples } from '../data/check';
import * as tf from '@tensorflow/tfjs-core';
import { parseConfig, type Config } from '../config/schema';
import { presetNames } from '../model/presets';
import { buildDataset, datasetTypes } from '../data/registry';
import { train } from '../train/trainer';
import { RUN_CONFIG_FILE } from '../train/run_folder';
import { loadConfig } from './config_file';
import { readJsonFileSync } from '../util/json_file';
import { backendOption, nonNegativeInt, nonNegativeNumber, positiveInt, sizeOption, startBackend, integer, progress } from './common';

interface TrainCliOptions {
  config?: string;
  workDir: string;
  checkData?: boolean;
  resume?: boolean;
  model?: string;
  variant?: 'joint' | 'baseline';
  data?: string;
  dataRoot?: string;
  backend?: string;
  iterations?: number;
  batchSize?: number;
  crop?: [number, number];
  lr?: number;
  seed?: number;
  checkpointInterval?: number;
  evalInterval?: number;
  evalLimit?: number;
  logInterval?: number;
  workers?: number;
  bnGroupSize?: number;
}

/** Builds the run's config: from the work dir when resuming without --config, else file + options. */
export function trainConfigFromOptions(o: TrainCliOptions): Config {
  const saved = path.join(o.workDir, RUN_CONFIG_FILE);
  const trainOverrides: Record<string, unknown> = {};
  if (o.iterations !== undefined) trainOverrides.iterations = o.iterations;
  if (o.batchSize !== undefined) trainOverrides.batchSize = o.batchSize;
  if (o.crop) trainOverrides.cropSize = o.crop;
  if (o.lr !== undefined) trainOverrides.baseLr = o.lr;
  if (o.seed !== undefined) trainOverrides.seed = o.seed;
  if (o.checkpointInterval !== undefined) trainOverrides.checkpointInterval = o.checkpointInterval;
  if (o.evalInterval !== undefined) trainOverrides.evalInterval = o.evalInterval;
  if (o.evalLimit !== undefined) trainOverrides.evalLimit = o.evalLimit;
  if (o.logInterval !== undefined) trainOverrides.logInterval = o.logInterval;
  if (o.workers !== undefined) trainOverrides.workers = o.workers;
  if (o.bnGroupSize !== undefined) trainOverrides.bnGroupSize = o.bnGroupSize;
  if (o.resume && !o.config && !fs.existsSync(saved)) {
    throw new Error(`--resume: ${o.workDir} holds no run (no ${path.basename(saved)}); give --config to start one there, or the work dir of an existing run`);
  }
  if (o.resume && !o.config && fs.existsSync(saved)) {
    const config = parseConfig(readJsonFileSync(saved, 'run config'), `config ${saved}`);
    return parseConfig({ ...config, train: { ...config.train, ...trainOverrides } }, `config ${saved}`);
  }
  return loadConfig(o.config, {
    model: o.model,
    variant: o.variant,
    data: o.data,
    dataRoot: o.dataRoot,
    backend: o.backend,
    train: trainOverrides,
  });
}

export function trainCommand(): Command {
  return new Command('train')
    .description(
      'Train a segmentation model (dense branch + clsNet, joint loss) with SGD, poly learning rate and ' +
        'random scale/crop/flip. Writes <work-dir>/config.json, metrics.jsonl (one JSON line per step), ' +
        'checkpoints/iter_N/ (atomic; model.json + weights.bin, optimizer, run state) and final/.',
    )
    .option('-w, --work-dir <dir>', 'folder of the run (created); not needed with --check-data')
    .option('--check-data', 'only read every pair of the training split once and report all bad ones (every training does this first)')
    .option('-c, --config <file>', 'JSON config: {model, data, train, backend}; model may be a preset name')
    .option('--resume', 'continue from the newest checkpoint in --work-dir (uses its config.json unless --config is given)')
    .option('-m, --model <preset>', `model preset: ${presetNames().join(', ')}`)
    .addOption(new Option('--variant <variant>', 'joint (U = D + g, CE + BCE) or baseline (dense branch only)').choices(['joint', 'baseline']))
    .option('-d, --data <type>', `data set type (registered: ${datasetTypes().join(', ')})`)
    .option('--data-root <dir>', 'data set folder (data sets read from disk)')
    .option('--iterations <n>', 'number of SGD steps', positiveInt)
    .option('--batch-size <n>', 'images per SGD step', positiveInt)
    .option('--crop <size>', 'random crop size, e.g. 256 or 320x480', sizeOption)
    .option('--lr <rate>', 'base learning rate of the poly schedule', nonNegativeNumber)
    .option('--seed <n>', 'seed of weights, data order, augmentation and dropout', integer)
    .option('--checkpoint-interval <n>', 'save a checkpoint every n steps', positiveInt)
    .option('--eval-interval <n>', 'validate on the val split every n steps and at the end (single scale, no CRF): mIoU in metrics.jsonl and the curves, best model kept in WORK_DIR/best', positiveInt)
    .option('--eval-limit <n>', 'validate on the first n images of the val split only', positiveInt)
    .option('--log-interval <n>', 'print a progress line every n steps (when not on a terminal)', positiveInt)
    .option('--workers <n>', 'data-parallel worker threads, each taking a shard of every batch (synchronized BatchNorm)', positiveInt)
    .option('--bn-group-size <n>', 'samples sharing BatchNorm statistics; must divide the batch size (0: whole batch)', nonNegativeInt)
    .option('--backend <name>', 'tfjs backend: wasm (default), cpu, tensorflow (tfjs-node), auto', backendOption)
    .action(async (o: TrainCliOptions, command: Command) => {
      if (o.checkData) {
        const config = trainConfigFromOptions({ ...o, workDir: o.workDir ?? '.' });
        const dataset = buildDataset(config.data, config.data.trainSplit);
        const bad = await findBadSamples(dataset, progress(`checking ${dataset.type}/${dataset.split}`));
        if (bad.length) throw badSamplesError(dataset, bad);
        process.stdout.write(`${dataset.type}/${dataset.split}: all ${dataset.length} samples read and valid\n`);
        return;
      }
      if (!o.workDir) command.error("error: required option '-w, --work-dir <dir>' not specified");
      const config = trainConfigFromOptions(o);
      await startBackend(config.backend);
      const result = await train(config, { workDir: o.workDir, resume: o.resume, onDataCheck: progress('checking the training data') });
      const params = result.model.parameterCount();
      result.model.dispose();
      process.stderr.write(
        `${result.interrupted ? 'stopped' : 'finished'} at iteration ${result.iteration}/${config.train.iterations}` +
          ` (${params.toLocaleString('en-US')} parameters, ${tf.memory().numTensors} tensors left)\n`,
      );
      // The curves are drawn whether the run finished or stopped.
      if (result.iteration > 0) {
        try {
          process.stdout.write(`training curves: ${await writeTrainingReport(o.workDir)}\n`);
        } catch (err) {
          // The run itself succeeded: a picture that cannot be drawn is a warning, not a failed training.
          process.stderr.write(`warning: no training curves: ${(err as Error).message}\n`);
        }
      }
      if (result.finalDir) process.stdout.write(`model saved to ${result.finalDir}\n`);
      else {
        process.stdout.write(`resume with: guideseg train --work-dir ${o.workDir} --resume\n`);
        process.exitCode = 130; // stopped by an interrupt, as a shell expects
      }
    });
}
