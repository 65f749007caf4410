/**
 * `guideseg demo`: the main job on the embedded default. Runs the shipped
 * CamVid model with its full pipeline (6 candidates with the learned
 * combination, then the guidance CRF with its fitted settings) on the CamVid
 * val split: mIoU and per-class IoU, and a figure in the spirit of the
 * paper's Fig. 1 for a few images.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { buildDataset } from '../data/registry';
import { argmax } from '../eval/metrics_oracle';
import { formatMetricsTable } from '../eval/metrics';
import { loadCheckpoint } from '../model/serialization';
import { createCrfRunner } from '../pipeline/crf_runner';
import { inferenceSettingsFromMetadata } from '../pipeline/model_settings';
import { predictScores } from '../pipeline/predictor';
import { resolvePipeline } from '../pipeline/resolve';
import { addRuntimeOptions, positiveInt, startBackend, startNetwork, type RuntimeCliOptions } from './common';
import { defaultCamvidRoot } from '../data/datasets/camvid';
import { resolveCheckpoint } from '../train/run_folder';
import { writeFigure, type FigureRow } from './demo_figure';
import { evaluateSplit } from './eval_command';
import { describePipeline } from './ensemble_options';
import { writeFileAtomicSync } from '../util/atomic_write';
import { PAPER_SCALES } from '../ensemble/candidates';

interface DemoCliOptions extends RuntimeCliOptions {
  checkpoint?: string;
  dataRoot: string;
  out: string;
  figureImages: number;
  limit?: number;
}

export function demoCommand(): Command {
  const cmd = new Command('demo')
    .description(
      'Run the shipped CamVid model (no training) with its full pipeline on the CamVid val split: prints mIoU and ' +
        'per-class IoU, and writes <out>/README.md with the table and <out>/figure.png: per image the image, the ' +
        'global class-presence scores, the unary argmax, the guidance CRF result and the ground truth. Ends with ' +
        'one line: the model name and its mIoU in percent. The synthetic training demo is `guideseg demo-context`.',
    )
    .option('-k, --checkpoint <dir>', 'another model folder or training work dir instead of the shipped model')
    .option('--data-root <dir>', 'CamVid folder', defaultCamvidRoot())
    .option('-o, --out <dir>', 'report folder (its README.md and figure.png are replaced)', 'runs/demo')
    .option('--figure-images <n>', 'val images shown in the figure', positiveInt, 4)
    .option('--limit <n>', 'evaluate only the first n val images', positiveInt);
  return addRuntimeOptions(cmd).action(async (o: DemoCliOptions) => {
      const started = performance.now();
      const dir = resolveCheckpoint(o.checkpoint);
      await startBackend('wasm', true);
      const { model, metadata } = await loadCheckpoint(dir);
      const runner = await createCrfRunner(Math.min(2, os.availableParallelism()));
      const network = await startNetwork(model, dir, o);
      try {
        const stored = inferenceSettingsFromMetadata(metadata, model.config.numClasses, path.join(dir, 'model.json'));
        const pipeline = resolvePipeline(stored.combineWeights ? { combine: 'learned', crf: true } : { scales: [...PAPER_SCALES], flip: true, crf: true }, stored);
        process.stderr.write(`model ${dir}\npipeline: ${describePipeline(pipeline)}\n`);
        const data = { type: 'camvid', root: path.resolve(o.dataRoot), trainSplit: 'train', valSplit: 'val' };
        const result = await evaluateSplit(network, data, 'val', pipeline, { crfRunner: runner, limit: o.limit });
        const dataset = buildDataset(data, 'val');
        const rows: FigureRow[] = [];
        const step = Math.max(1, Math.floor(Math.min(dataset.length, o.limit ?? Infinity) / o.figureImages));
        for (let i = 0; rows.length < o.figureImages && i < dataset.length; i += step) {
          const s = await dataset.get(i);
          const r = await predictScores(network, s.image, s.height, s.width, pipeline, { crfRunner: runner });
          rows.push({ name: s.name, width: s.width, height: s.height, image: s.image, global: r.global, unaryLabels: argmax(r.unary, model.config.numClasses), crfLabels: r.labels, truth: s.label });
        }
        fs.mkdirSync(o.out, { recursive: true });
        const figure = path.join(o.out, 'figure.png');
        await writeFigure(figure, rows, dataset.classes, dataset.palette);
        const table = formatMetricsTable(result.metrics);
        const seconds = (performance.now() - started) / 1000;
        const readme = [
          `# guideseg demo: the shipped model on CamVid val`,
          '',
          `Model \`${path.relative(process.cwd(), dir) || dir}\` (${model.config.name}, ${model.config.variant}); pipeline: ${describePipeline(pipeline)}; ${result.images} images, ${seconds.toFixed(0)} s.`,
          '',
          `mIoU ${(100 * result.metrics.mIoU).toFixed(2)} %, pixel accuracy ${(100 * result.metrics.pixelAccuracy).toFixed(2)} %, mean class accuracy ${(100 * result.metrics.meanClassAccuracy).toFixed(2)} %.`,
          '',
          table,
          '',
          '![image, global class-presence scores, unary argmax, guidance CRF, ground truth](figure.png)',
          '',
        ].join('\n');
        writeFileAtomicSync(path.join(o.out, 'README.md'), readme);
        process.stderr.write(`${table}\nreport: ${path.join(o.out, 'README.md')}, figure: ${figure}\n`);
        process.stdout.write(`${model.config.name} mIoU ${(100 * result.metrics.mIoU).toFixed(2)}%\n`);
      } finally {
        await network.release();
        model.dispose();
        await runner.close();
      }
    });
}
