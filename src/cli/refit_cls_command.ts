/**
 * `guideseg refit-cls`: refits the global branch (clsNet) of a joint model on
 * whole training images at the test scales, backbone and dense head frozen
 * (train/refit_global.ts), and writes the result as a new model folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Command } from 'commander';
import { buildDataset } from '../data/registry';
import { writeFilesAtomic } from '../model/checkpoint_io';
import { readFileNamed } from '../util/json_file';
import { GuidedSegmentor } from '../model/segmentor';
import { loadCheckpoint, readModelJson, saveWeights } from '../model/serialization';
import { collectRefitViews, refitGlobalBranch, type RefitLosses, type RefitView } from '../train/refit_global';
import { resolveClassWeights } from '../train/trainer';
import { backendOption, nonNegativeNumber, numberList, positiveInt, positiveNumber, startBackend, addDataOptions, progress, type DataCliOptions, integer } from './common';
import { resolveDataConfig } from '../train/data_config';
import { readRunConfig, resolveCheckpoint, runDirOf } from '../train/run_folder';
import { FITTED_SETTING_KEYS } from '../pipeline/model_settings';

interface RefitCliOptions extends DataCliOptions {
  out?: string;
  scales?: number[];
  flip: boolean;
  limit?: number;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum?: number;
  weightDecay?: number;
  clsLossWeight?: number;
  classWeights?: boolean;
  cache?: string;
  seed: number;
  backend: string;
}

const VIEWS_FILE = 'views.v8';

function describe(l: RefitLosses): string {
  return `CE ${l.ce.toFixed(4)}, BCE ${l.cls.toFixed(4)}, presence accuracy ${(100 * l.presenceAccuracy).toFixed(2)} %, spread of g ${l.globalSpread.toFixed(3)}`;
}

export function refitClsCommand(): Command {
  const cmd = new Command('refit-cls')
    .description(
      'Refit the global branch (clsNet) of a joint model on whole images at the test scales (a baseline model gets a ' +
        'fresh global branch first, trained the same way): the backbone and dense ' +
        'head are frozen, each image of the split is run once per view (scale x flip) and only the clsNet layers are ' +
        'trained on the cached views with the joint loss (CE of D + g, plus beta x BCE against the whole image\'s ' +
        'class presence). Training crops are smaller than test images, so the crop-trained g can misjudge which ' +
        'classes a whole image holds. Writes a new model folder; CRF and combination settings fitted for the old g ' +
        'are dropped (fit them again with fit-crf / learn-combine or ablate --save-fitted).',
    )
    .requiredOption('-k, --checkpoint <dir>', 'joint or baseline model folder (model.json) or a training work dir');
  addDataOptions(cmd, 'split to refit on', 'train');
  return cmd
    .option('-o, --out <dir>', 'new model folder (default: refit_cls/ in the training run)')
    .option('--scales <list>', 'view scales (default: the model\'s test scale)', numberList)
    .option('--flip', 'also mirrored views (default on)', true)
    .option('--no-flip', 'no mirrored views')
    .option('--limit <n>', 'use the first n images of the split', positiveInt)
    .option('--epochs <n>', 'passes over the views', positiveInt, 30)
    .option('--batch-size <n>', 'views per SGD step', positiveInt, 16)
    .option('--lr <x>', 'base learning rate (poly schedule)', positiveNumber, 0.001)
    .option('--momentum <x>', 'SGD momentum (default: the run\'s train.momentum, else 0.9)', nonNegativeNumber)
    .option('--weight-decay <x>', 'L2 weight decay (default: the run\'s train.weightDecay, else 1e-4)', nonNegativeNumber)
    .option('--cls-loss-weight <x>', 'beta (default: the run\'s train.clsLossWeight, else 1)', nonNegativeNumber)
    .option('--class-weights', 'weight the cross-entropy with the run\'s train.classWeights (default: unweighted)')
    .option('--cache <dir>', 'keep the network passes here and reuse them when the same settings come again')
    .option('--seed <n>', 'shuffling and dropout seed', integer, 0)
    .option('--backend <name>', 'tfjs backend: wasm (default), cpu, tensorflow, auto', backendOption, 'wasm')
    .action(async (o: RefitCliOptions) => {
      const checkpoint = resolveCheckpoint(o.checkpoint);
      const run = runDirOf(checkpoint);
      const out = path.resolve(o.out ?? (run ? path.join(run, 'refit_cls') : ''));
      if (!o.out && !run) throw new Error(`${checkpoint} is not inside a training run: give --out`);
      if (out === checkpoint) throw new Error(`--out ${out} is the input model: write the refit elsewhere`);
      const cacheDir = o.cache ? path.resolve(o.cache) : undefined;
      if (cacheDir && (cacheDir === checkpoint || cacheDir === out)) throw new Error(`--cache ${cacheDir} must be a folder of its own`);
      const data = resolveDataConfig(o, checkpoint);
      const train = run ? readRunConfig(run).train : undefined;
      await startBackend(o.backend as never);
      const { model, metadata } = await loadCheckpoint(checkpoint, { addGlobalBranch: true });
      try {
        if (!(model instanceof GuidedSegmentor) || !model.clsHead) throw new Error(`${checkpoint}: the model has no global branch to refit`);
        const stored = await readModelJson(checkpoint);
        const addedBranch = stored.modelTopology.variant === 'baseline';
        if (addedBranch) process.stderr.write(`${checkpoint} is a baseline model: adding a fresh global branch (clsNet) and training it on the frozen network\n`);
        const dataset = buildDataset(data, o.split);
        const testScale = typeof metadata?.testScale === 'number' ? metadata.testScale : 1;
        const scales = o.scales ?? [testScale];
        // The weights' checksum in the key: a cache made by other weights is never reused.
        const weights = stored.weightsChecksum ?? null;
        const key = JSON.stringify({ checkpoint, weights, data, split: o.split, scales, flip: o.flip, limit: o.limit ?? null });
        let views: RefitView[] | undefined;
        const cacheFile = cacheDir ? path.join(cacheDir, VIEWS_FILE) : undefined;
        if (cacheFile && fs.existsSync(cacheFile)) {
          let cached: { key?: string; views?: RefitView[] } = {};
          try {
            cached = v8.deserialize(await readFileNamed(cacheFile, 'refit view cache'));
          } catch {
            process.stderr.write(`${cacheFile}: unreadable (corrupt or truncated); running the network again\n`);
          }
          if (cached.key === key && Array.isArray(cached.views)) views = cached.views;
          else if (cached.key !== undefined) process.stderr.write(`${cacheFile}: made with other settings; running the network again\n`);
        }
        if (!views) {
          views = await collectRefitViews(model, dataset, { scales, flip: o.flip, limit: o.limit, onImage: progress('network pass') });
          if (cacheDir) await writeFilesAtomic(cacheDir, { [VIEWS_FILE]: v8.serialize({ key, views }) });
        }
        const classWeights = train && o.classWeights ? await resolveClassWeights(train.classWeights, dataset, model.config.numClasses) : undefined;
        const started = performance.now();
        const record = await refitGlobalBranch(
          model,
          dataset,
          { scales, flip: o.flip, epochs: o.epochs, batchSize: o.batchSize, baseLr: o.lr, classWeights: o.classWeights ?? false },
          {
            momentum: o.momentum ?? train?.momentum ?? 0.9,
            weightDecay: o.weightDecay ?? train?.weightDecay ?? 1e-4,
            lrPower: train?.lrPower ?? 0.9,
            // A baseline run trained with beta = 0; its added branch takes the method's default.
            clsLossWeight: o.clsLossWeight ?? (addedBranch ? 1 : (train?.clsLossWeight ?? 1)),
            classWeights,
            seed: o.seed,
          },
          { limit: o.limit, views, onEpoch: (epoch, l) => process.stderr.write(`epoch ${epoch}/${o.epochs}: ${describe(l)}\n`) },
        );
        process.stdout.write(
          `${record.views} views of ${dataset.type}/${o.split} (scales ${scales.join(', ')}${o.flip ? ', flipped too' : ''})\n` +
            `before: ${describe(record.before)}\nafter:  ${describe(record.after)}  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
        );
        // Settings fitted for the old global scores are stale after the refit.
        const kept = Object.fromEntries(Object.entries(metadata ?? {}).filter(([k]) => !(FITTED_SETTING_KEYS as readonly string[]).includes(k)));
        await saveWeights(out, model, { ...kept, globalRefit: { from: checkpoint, ...(addedBranch ? { addedBranch } : {}), ...record } });
        process.stdout.write(`refitted model: ${out}\n`);
      } finally {
        model.dispose();
      }
    });
}
