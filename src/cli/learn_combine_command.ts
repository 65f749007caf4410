/**
 * `guideseg learn-combine`: learns the per-candidate, per-class combination
 * weights (docs/method.md §3) on cached candidate maps of a split's first images,
 * network frozen, and stores them with the model
 * (model.json `userDefinedMetadata.combineWeights`) for `--combine learned`.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { buildDataset } from '../data/registry';
import { candidateList, PAPER_SCALES } from '../ensemble/candidates';
import { combinePixelAccuracy, uniformCombineWeights } from '../ensemble/learn_combine';
import { loadCheckpoint } from '../model/serialization';
import { createCrfRunner } from '../pipeline/crf_runner';
import { fitInferenceSettings, fitMetadataPatch } from '../tuning/fit_settings';
import { updateCheckpointMetadata } from '../model/serialization';
import { backendOption, numberList, positiveInt, startBackend, addDataOptions, progress, type DataCliOptions, addRuntimeOptions, startNetwork, type RuntimeCliOptions, integer } from './common';
import { resolveDataConfig } from '../train/data_config';
import { resolveCheckpoint } from '../train/run_folder';

interface LearnCombineCliOptions extends DataCliOptions, RuntimeCliOptions {
  limit: number;
  every: number;
  scales: number[];
  flip: boolean;
  pixels: number;
  iterations: number;
  seed: number;
  save: boolean;
  backend: string;
}

export function learnCombineCommand(): Command {
  const cmd = new Command('learn-combine')
    .description(
      'Learn to combine the test-time candidates: one weight per candidate and class, fitted by minimizing the ' +
        'cross-entropy of the weighted sum of the candidate unaries (network frozen, candidate maps cached, random ' +
        'labelled pixels of the first images of a split), starting from the average. Stores the weights with the model ' +
        '(model.json userDefinedMetadata.combineWeights) for --combine learned.',
    )
    .requiredOption('-k, --checkpoint <dir>', 'model folder (model.json) or a training work dir');
  addDataOptions(cmd, 'split to learn on');
  addRuntimeOptions(cmd);
  return cmd
    .option('--limit <n>', 'use the first n images of the split (with --every: at most n)', positiveInt, 20)
    .option('--every <k>', 'use every k-th image of the split', positiveInt, 1)
    .option('--scales <list>', 'candidate scales', numberList, [...PAPER_SCALES])
    .option('--flip', 'also flipped candidates (default on)', true)
    .option('--no-flip', 'no flipped candidates')
    .option('--pixels <n>', 'random labelled pixels cached per image', positiveInt, 4096)
    .option('--iterations <n>', 'L-BFGS iterations', positiveInt, 100)
    .option('--seed <n>', 'seed of the pixel sampling', integer, 0)
    .option('--no-save', 'only print; do not store the weights with the model')
    .option('--backend <name>', 'tfjs backend: wasm (default), cpu, tensorflow, auto', backendOption, 'wasm')
    .action(async (o: LearnCombineCliOptions) => {
      const checkpoint = resolveCheckpoint(o.checkpoint);
      const data = resolveDataConfig(o, checkpoint);
      await startBackend(o.backend as never);
      const { model, metadata } = await loadCheckpoint(checkpoint);
      const runner = await createCrfRunner(1);
      const network = await startNetwork(model, checkpoint, o);
      try {
        const dataset = buildDataset(data, o.split);
        const started = performance.now();
        const outcome = await fitInferenceSettings(network, dataset, runner, {
          scales: o.scales,
          flip: o.flip,
          limit: o.limit,
          every: o.every,
          combine: { pixelsPerImage: o.pixels, iterations: o.iterations, seed: o.seed },
          onImage: progress('network pass'),
        });
        const { learned, set, stored } = outcome.combine!;
        const L = set.numClasses;
        const avgAcc = combinePixelAccuracy(set, uniformCombineWeights(set.count, L));
        const learnedAcc = combinePixelAccuracy(set, learned.weights);
        const candidates = candidateList(o);
        const lines = [
          `| candidate | ${dataset.classes.join(' | ')} |`,
          `|---|${dataset.classes.map(() => '---:').join('|')}|`,
          ...candidates.map(
            (c, k) => `| ${c.scale}${c.flipped ? ' flip' : ''} | ${Array.from(learned.weights.subarray(k * L, (k + 1) * L), (v) => v.toFixed(3)).join(' | ')} |`,
          ),
        ];
        process.stdout.write(lines.join('\n') + '\n\n');
        process.stdout.write(
          `mean CE ${learned.initialLoss.toFixed(4)} (avg) -> ${learned.finalLoss.toFixed(4)} (learned) after ${learned.iterations} iterations; ` +
            `pixel accuracy on the ${set.labels.length} cached pixels ${(100 * avgAcc).toFixed(2)} -> ${(100 * learnedAcc).toFixed(2)}; ` +
            `${stored.fit?.data}, ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
        );
        if (o.save) {
          await updateCheckpointMetadata(checkpoint, fitMetadataPatch({ images: outcome.images, combine: outcome.combine }));
          process.stdout.write(`weights saved with the model: ${path.join(checkpoint, 'model.json')} (userDefinedMetadata.combineWeights)\n`);
          if (metadata?.crf !== undefined) process.stdout.write('the stored CRF was fitted on another combination: run `guideseg fit-crf` to fit it on this one\n');
        }
      } finally {
        await network.release();
        model.dispose();
        await runner.close();
      }
    });
}
