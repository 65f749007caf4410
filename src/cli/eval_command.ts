/** `guideseg eval`: mean IoU and friends of a trained model on a data split. */
import * as path from 'node:path';
import { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import type { DataConfig } from '../data/datasets/dataset';
import { buildDataset } from '../data/registry';
import { evaluateDataset, type EvaluationResult } from '../eval/evaluate';
import { formatMetricsTable } from '../eval/metrics';
import { presentClasses } from '../eval/metrics_oracle';
import { formatPresenceTable, PresenceAccumulator } from '../eval/presence';
import type { Sample } from '../data/types';
import { loadCheckpoint } from '../model/serialization';
import type { NetworkRunner } from '../ensemble/network';
import { createCrfRunner, type CrfRunner } from '../pipeline/crf_runner';
import { inferenceSettingsFromMetadata } from '../pipeline/model_settings';
import { scorePredictor, type PipelineOptions } from '../pipeline/predictor';
import { addDataOptions, addRuntimeOptions, backendOption, positiveInt, startBackend, startNetwork, type DataCliOptions, type RuntimeCliOptions } from './common';
import { resolveDataConfig } from '../train/data_config';
import { resolveCheckpoint } from '../train/run_folder';
import { addPipelineOptions, describePipeline, pipelineFromOptions, type PipelineCliOptions } from './ensemble_options';
import { checkOutputFile, checkOutputFolder, writeFileAtomicSync } from '../util/atomic_write';
import { writeEvalReport } from '../report/eval_report';


interface EvalCliOptions extends PipelineCliOptions, DataCliOptions, RuntimeCliOptions {
  oracle?: boolean;
  presence?: boolean;
  limit?: number;
  out?: string;
  report?: string;
  backend: string;
}

/** Evaluates `model` on one split with a terminal progress bar. */
export async function evaluateSplit(
  network: NetworkRunner,
  data: DataConfig,
  split: string,
  pipeline: PipelineOptions,
  opts: { oracle?: boolean; limit?: number; crfRunner?: CrfRunner; presence?: PresenceAccumulator } = {},
): Promise<EvaluationResult> {
  const dataset = buildDataset(data, split);
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'eval |{bar}| {value}/{total} images' }, Presets.shades_classic) : null;
  bar?.start(Math.min(dataset.length, opts.limit ?? Infinity), 0);
  try {
    const L = network.numClasses;
    const onGlobal = opts.presence
      ? (sample: Sample, global: Float32Array | null) => {
          if (global) opts.presence!.add(global, Array.from(presentClasses(sample.label, L)));
        }
      : undefined;
    return await evaluateDataset(dataset, scorePredictor(network, pipeline, { crfRunner: opts.crfRunner, oracle: opts.oracle, onGlobal }), {
      numClasses: L,
      oracle: opts.oracle,
      limit: opts.limit,
      onSample: (done) => bar?.update(done),
    });
  } finally {
    bar?.stop();
  }
}

export function evalCommand(): Command {
  const cmd = new Command('eval')
    .description(
      'Evaluate a model on a split: confusion matrix at label resolution, per-class IoU, mean IoU, ' +
        'pixel accuracy and mean class accuracy (ignore pixels excluded).',
    )
    .option('-k, --checkpoint <dir>', 'model folder (model.json) or a training work dir (uses final/ or its newest checkpoint); default: the shipped CamVid model');
  addDataOptions(cmd, 'split to evaluate')
    .option(
      '--oracle',
      '"+ground truth label": the classes present in each ground truth build the CRF compatibility, and only they may be predicted',
    )
    .option('--limit <n>', 'evaluate only the first n images', positiveInt)
    .option('--presence', 'also report how well the global scores g tell the classes present in each image (joint models)')
    .option('-o, --out <file>', 'also write the metrics and confusion matrix as JSON')
    .option('--report <dir>', 'also write a report folder: eval.md, the confusion matrix as a heat map and the IoU per class as bars (SVG and PNG)');
  addPipelineOptions(cmd);
  addRuntimeOptions(cmd);
  return cmd
    .option('--backend <name>', 'tfjs backend: wasm (default), cpu, tensorflow, auto', backendOption, 'wasm')
    .action(async (o: EvalCliOptions) => {
      if (o.out) checkOutputFile(o.out, '--out');
      if (o.report) checkOutputFolder(o.report, '--report');
      const checkpoint = resolveCheckpoint(o.checkpoint);
      const data = resolveDataConfig(o, checkpoint);
      await startBackend(o.backend as never);
      const { model, metadata } = await loadCheckpoint(checkpoint);
      let runner: CrfRunner | null = null;
      let network: NetworkRunner | null = null;
      let result: EvaluationResult;
      let seconds: number;
      let pipeline: PipelineOptions;
      let presence: PresenceAccumulator | undefined;
      try {
        pipeline = pipelineFromOptions(o, inferenceSettingsFromMetadata(metadata, model.config.numClasses, path.join(checkpoint, 'model.json')));
        process.stderr.write(`pipeline: ${describePipeline(pipeline)}${o.oracle ? '; oracle (+ground truth label)' : ''}\n`);
        runner = pipeline.crf ? await createCrfRunner(o.threads) : null;
        network = await startNetwork(model, checkpoint, o);
        const started = performance.now();
        presence = o.presence ? new PresenceAccumulator(buildDataset(data, o.split).classes) : undefined;
        result = await evaluateSplit(network, data, o.split, pipeline, { ...o, presence, crfRunner: runner ?? undefined });
        seconds = (performance.now() - started) / 1000;
      } finally {
        await network?.release();
        model.dispose();
        await runner?.close();
      }
      process.stdout.write(formatMetricsTable(result.metrics) + '\n');
      process.stdout.write(
        `mIoU ${(100 * result.metrics.mIoU).toFixed(2)}  pixel acc ${(100 * result.metrics.pixelAccuracy).toFixed(2)}` +
          `  mean class acc ${(100 * result.metrics.meanClassAccuracy).toFixed(2)}  (${result.images} images, ${seconds.toFixed(1)} s)\n`,
      );
      if (presence) {
        process.stdout.write(presence.images ? `\nglobal scores g: presence (sigmoid(g) > 0.5) against the ground truth\n${formatPresenceTable(presence.result())}\n` : '\n--presence: the model has no global branch\n');
      }
      if (o.out) {
        writeFileAtomicSync(o.out, JSON.stringify({ checkpoint, split: o.split, data, pipeline: { ...pipeline, ensemble: { ...pipeline.ensemble, learnedWeights: undefined } }, oracle: Boolean(o.oracle), metrics: result.metrics, ...(presence?.images ? { presence: presence.result() } : {}), confusion: result.confusion.toJSON() }, null, 1));
      }
      if (o.report) {
        const file = await writeEvalReport(o.report, {
          title: `${data.type}/${o.split}`,
          description: `Model \`${checkpoint}\`; ${result.images} images; pipeline: ${describePipeline(pipeline)}${o.oracle ? '; oracle (+ground truth label)' : ''}.`,
          metrics: result.metrics,
          confusion: result.confusion,
          palette: metadata?.palette,
        });
        process.stdout.write(`report: ${file}\n`);
      }
    });
}
