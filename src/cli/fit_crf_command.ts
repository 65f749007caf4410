/**
 * `guideseg fit-crf`: piecewise fitting of the guidance CRF settings (w, λ, r,
 * ε, T) on a validation subset; prints the search table and stores the best
 * settings with the model (model.json `userDefinedMetadata.crf`).
 */
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { buildDataset } from '../data/registry';
import { loadCheckpoint } from '../model/serialization';
import { createCrfRunner } from '../pipeline/crf_runner';
import { DEFAULT_CRF_SEARCH, formatSearchTable, QUICK_CRF_SEARCH, type CrfSearchSpace } from '../tuning/fit_crf';
import { fitInferenceSettings, crfFitPatch } from '../tuning/fit_settings';
import { inferenceSettingsFromMetadata } from '../pipeline/model_settings';
import { updateCheckpointMetadata } from '../model/serialization';
import { resolveEnsemble } from '../pipeline/resolve';
import { backendOption, positiveInt, startBackend, addDataOptions, type DataCliOptions, progress, addRuntimeOptions, startNetwork, type RuntimeCliOptions } from './common';
import { resolveDataConfig } from '../train/data_config';
import { resolveCheckpoint } from '../train/run_folder';
import { addEnsembleOptions, describeEnsemble, type PipelineCliOptions } from './ensemble_options';
import { checkOutputFile, writeFileAtomicSync } from '../util/atomic_write';
import { PAPER_SCALES } from '../ensemble/candidates';

/** Parses a comma-separated list of numbers >= 0, e.g. `0,0.5,1`. */
export function nonNegativeList(value: string): number[] {
  const items = value.split(',').map((s) => Number(s.trim()));
  if (!items.length || items.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new InvalidArgumentError(`expected comma-separated numbers >= 0, got "${value}"`);
  }
  return items;
}

/** The paper's candidates, the default of the fitting commands. */

interface FitCrfCliOptions extends PipelineCliOptions, DataCliOptions, RuntimeCliOptions {
  limit: number;
  every: number;
  w?: number[];
  lambda?: number[];
  r?: number[];
  eps?: number[];
  iterations?: number[];
  subsample: number;
  strategy: 'coordinate' | 'grid';
  rounds: number;
  quick?: boolean;
  save: boolean;
  out?: string;
  backend: string;
}


export function fitCrfCommand(): Command {
  const cmd = new Command('fit-crf')
    .description(
      'Fit the guidance CRF settings (w, λ, r, ε, T) piecewise on the first images of a split: the network runs once per ' +
        'image (candidates cached), then each setting costs CRF time only. Prints the mIoU table of the search and stores ' +
        'the best settings with the model (model.json userDefinedMetadata.crf), which eval and predict then use by default. ' +
        'The CRF runs on the combined candidates, so it is fitted on the combination the model uses: the learned one once ' +
        'learn-combine has run. A fit on averaged candidates is also kept as crfAveraged (the ablation\'s rows before ' +
        '"+ learn to combine"); on a model with learned weights it is stored there only.',
    )
    .requiredOption('-k, --checkpoint <dir>', 'model folder (model.json) or a training work dir');
  addDataOptions(cmd, 'split to fit on');
  cmd.option('--limit <n>', 'fit on the first n images of the split (with --every: at most n)', positiveInt, 20);
  cmd.option('--every <k>', 'fit on every k-th image of the split', positiveInt, 1);
  addEnsembleOptions(cmd, { scales: PAPER_SCALES.join(','), flip: 'on', combine: 'learned when the model stores combination weights, else avg' });
  addRuntimeOptions(cmd);
  return cmd
    .option('--w <list>', `pairwise weights w to try (default ${DEFAULT_CRF_SEARCH.w.join(',')})`, nonNegativeList)
    .option('--lambda <list>', `compatibility weights λ to try (default ${DEFAULT_CRF_SEARCH.lambda.join(',')})`, nonNegativeList)
    .option('--r <list>', `window radii r to try (default ${DEFAULT_CRF_SEARCH.r.join(',')})`, nonNegativeList)
    .option('--eps <list>', `regularizations ε to try (default ${DEFAULT_CRF_SEARCH.eps.join(',')})`, nonNegativeList)
    .option('--iterations <list>', `mean-field iterations T to try (default ${DEFAULT_CRF_SEARCH.T.join(',')})`, nonNegativeList)
    .option('--subsample <s>', 'fast guided filter subsampling used throughout (1 = exact)', positiveInt, 1)
    .addOption(
      new Option('--strategy <name>', 'coordinate: one setting at a time, the others fixed; grid: every combination')
        .choices(['coordinate', 'grid'])
        .default('coordinate'),
    )
    .option('--rounds <n>', 'passes of the coordinate search', positiveInt, 2)
    .option('--quick', `few search points (${Object.entries(QUICK_CRF_SEARCH).map(([k, v]) => `${k} ${v.join(',')}`).join('; ')})`)
    .option('--threads <n>', 'CPU threads of the CRF (default: one per core)', positiveInt)
    .option('--no-save', 'only print; do not store the settings with the model')
    .option('-o, --out <file>', 'also write the search as JSON')
    .option('--backend <name>', 'tfjs backend: wasm (default), cpu, tensorflow, auto', backendOption, 'wasm')
    .action(async (o: FitCrfCliOptions) => {
      if (o.out) checkOutputFile(o.out, '--out');
      const checkpoint = resolveCheckpoint(o.checkpoint);
      const data = resolveDataConfig(o, checkpoint);
      await startBackend(o.backend as never);
      const base = o.quick ? QUICK_CRF_SEARCH : DEFAULT_CRF_SEARCH;
      const space: CrfSearchSpace = {
        w: o.w ?? base.w,
        lambda: o.lambda ?? base.lambda,
        r: o.r ?? base.r,
        eps: o.eps ?? base.eps,
        T: o.iterations ?? base.T,
      };
      const { model, metadata } = await loadCheckpoint(checkpoint);
      const runner = await createCrfRunner(o.threads);
      const network = await startNetwork(model, checkpoint, o);
      try {
        const stored = inferenceSettingsFromMetadata(metadata, model.config.numClasses, path.join(checkpoint, 'model.json'));
        // The CRF runs on the combined unary of the model's pipeline: the learned combination where weights are stored.
        const combine = o.combine ?? (stored.combineWeights ? 'learned' : 'avg');
        const scales = o.scales ?? (combine === 'learned' ? undefined : [...PAPER_SCALES]);
        const ensemble = resolveEnsemble({ scales, flip: o.flip ?? (combine === 'learned' ? undefined : true), combine }, stored);
        const dataset = buildDataset(data, o.split);
        process.stderr.write(`fitting the CRF on ${describeEnsemble(ensemble)}\n`);
        const started = performance.now();
        const outcome = await fitInferenceSettings(network, dataset, runner, {
          scales: ensemble.scales,
          flip: ensemble.flip,
          window: o.window ? { height: o.window[0], width: o.window[1] } : undefined,
          limit: o.limit,
          every: o.every,
          crf: {
            space,
            strategy: o.strategy,
            rounds: o.rounds,
            start: { ...(stored.crf ?? {}), subsample: o.subsample },
            combine: ensemble.combine,
            learnedWeights: ensemble.learnedWeights,
          },
          onImage: progress('network pass'),
          onRow: (row) => {
            const s = row.settings;
            process.stderr.write(`  w ${s.w} λ ${s.lambda} r ${s.r} ε ${s.eps} T ${s.T}: mIoU ${(100 * row.mIoU).toFixed(2)}\n`);
          },
        });
        const fit = outcome.crf!;
        const seconds = (performance.now() - started) / 1000;
        process.stdout.write(formatSearchTable(fit.search) + '\n\n');
        const b = fit.settings;
        process.stdout.write(
          `best: w ${b.w}, λ ${b.lambda}, r ${b.r}, ε ${b.eps}, T ${b.T}, subsample ${b.subsample}: mIoU ${(100 * fit.search.best.mIoU).toFixed(2)} ` +
            `(no CRF ${(100 * fit.search.unary.mIoU).toFixed(2)}; best with λ = 0: ${fit.search.potts ? (100 * fit.search.potts.mIoU).toFixed(2) : 'n/a'}) ` +
            `on ${fit.record.data}, ${fit.search.rows.length} settings, ${seconds.toFixed(1)} s\n`,
        );
        if (o.out) {
          writeFileAtomicSync(o.out, JSON.stringify({ checkpoint, space, ...fit.record, best: fit.settings, rows: fit.search.rows }, null, 1));
        }
        if (o.save) {
          const patch = crfFitPatch(fit, stored.combineWeights !== undefined);
          await updateCheckpointMetadata(checkpoint, patch);
          const keys = Object.keys(patch).filter((k) => k !== 'crfFit');
          process.stdout.write(`settings saved with the model: ${path.join(checkpoint, 'model.json')} (userDefinedMetadata.${keys.join(', userDefinedMetadata.')})\n`);
        }
      } finally {
        await network.release();
        model.dispose();
        await runner.close();
      }
    });
}
