/**
 * `guideseg demo`: the main job on an embedded default. Generates the
 * synthetic `context` data set, trains the baseline and the joint model with
 * the same budget (in parallel, one process per core), evaluates both and
 * writes a report folder.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { parseConfig, type Config, type ConfigInput } from '../config/schema';
import { buildDataset } from '../data/registry';
import { loadSegmentor } from '../model/serialization';
import { modelPreset } from '../model/presets';
import { DEFAULT_PIPELINE } from '../pipeline/predictor';
import { positiveInt, startBackend } from './common';
import { evaluateSplit } from './eval_command';
import { writeDemoReport, type ModelReport } from './demo_report';

/** The embedded default: a small VGG LargeFOV + clsNet on 64×64 context scenes. */
export function demoConfig(variant: 'joint' | 'baseline', iterations: number): Config {
  const raw: ConfigInput = {
    model: modelPreset('bench-vgg', {
      name: `context-${variant}`,
      variant,
      numClasses: 8,
      backbone: { width: 0.25, outputStride: 8 },
      denseHead: { channels: 64, dilation: 2 },
      clsHead: { hidden: 128, poolSize: 4 },
    }),
    data: { type: 'context', context: { seed: 0, trainSize: 400, valSize: 100, height: 64, width: 64 } },
    train: {
      iterations,
      batchSize: 8,
      cropSize: [64, 64],
      scaleRange: [0.75, 1.25],
      baseLr: 0.01,
      momentum: 0.9,
      weightDecay: 5e-4,
      seed: 0,
      logInterval: 25,
      checkpointInterval: 100,
    },
    backend: 'wasm',
  };
  return parseConfig(raw, 'demo config');
}

/** Runs `guideseg train` in a child process (one core each), logging to a file. */
function trainInChild(config: Config, workDir: string): Promise<void> {
  fs.mkdirSync(workDir, { recursive: true });
  const configFile = path.join(workDir, 'demo_config.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(workDir, 'train.log');
  const log = fs.openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1], 'train', '--config', configFile, '--work-dir', workDir],
    { stdio: ['ignore', log, log] },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      fs.closeSync(log);
      if (code === 0) resolve();
      else reject(new Error(`training ${config.model.variant} failed (exit ${code}); see ${logFile}`));
    });
  });
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Generate the synthetic context data set, train the baseline and the joint model with the same budget ' +
        '(in parallel), evaluate both on its val split and write a report (Markdown table of mIoU and per-class ' +
        'IoU, prediction PNGs). Ends with one line per model: its name and mIoU in percent.',
    )
    .option('-o, --out <dir>', 'output folder (its baseline/, joint/ and report/ are replaced)', 'runs/demo')
    .option('--iterations <n>', 'SGD steps per model', positiveInt, 600)
    .action(async (o: { out: string; iterations: number }) => {
      const started = performance.now();
      const variants = ['baseline', 'joint'] as const;
      for (const v of [...variants, 'report']) fs.rmSync(path.join(o.out, v), { recursive: true, force: true });
      process.stderr.write(`training baseline and joint (${o.iterations} steps each) in parallel; logs in ${o.out}/<model>/train.log\n`);
      await Promise.all(variants.map((v) => trainInChild(demoConfig(v, o.iterations), path.join(o.out, v))));
      process.stderr.write(`trained in ${((performance.now() - started) / 1000).toFixed(0)} s; evaluating\n`);
      await startBackend('wasm', true);
      const reports: ModelReport[] = [];
      for (const v of variants) {
        const model = await loadSegmentor(path.join(o.out, v, 'final'));
        const config = demoConfig(v, o.iterations);
        const result = await evaluateSplit(model, config.data, 'val', DEFAULT_PIPELINE);
        reports.push({ name: v, model, metrics: result.metrics });
      }
      const dataset = buildDataset(demoConfig('joint', o.iterations).data, 'val');
      const reportDir = path.join(o.out, 'report');
      await writeDemoReport(reportDir, dataset, reports, { iterations: o.iterations, seconds: (performance.now() - started) / 1000 });
      for (const r of reports) r.model.dispose();
      process.stderr.write(`report: ${path.join(reportDir, 'README.md')}\n`);
      for (const r of reports) process.stdout.write(`${r.name} mIoU ${(100 * r.metrics.mIoU).toFixed(2)}%\n`);
    });
}
