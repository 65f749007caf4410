/**
 * `guideseg demo-context`: the synthetic training demo. Generates the
 * synthetic `context` data set, trains the baseline and the joint model with
 * the same budget (in parallel, one process per core), evaluates both and
 * writes a report folder.
 */
import { tfjsRunner } from '../ensemble/tfjs_runner';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import type { Config } from '../config/schema';
import { buildDataset } from '../data/registry';
import type { Dataset } from '../data/types';
import { loadCheckpoint, readModelJson } from '../model/serialization';
import { runAblationWorkflow } from '../tuning/ablation_workflow';
import { createCrfRunner } from '../pipeline/crf_runner';
import { QUICK_CRF_SEARCH } from '../tuning/fit_crf';
import { DEFAULT_PIPELINE } from '../pipeline/predictor';
import { loadConfig } from './config_file';
import { packageRoot, positiveInt, startBackend } from './common';
import { evaluateSplit } from './eval_command';
import { writeDemoReport, type DemoAblation, type ModelReport } from './demo_context_report';
import { writeFileAtomicSync } from '../util/atomic_write';
import { PAPER_SCALES } from '../ensemble/candidates';

/** Images of the val split the demo fits the CRF settings and combination weights on. */
const DEMO_FIT_IMAGES = 20;

/** The embedded default (configs/context_joint.json): a small VGG LargeFOV + clsNet on 64×64 context scenes. */
export function demoConfig(variant: 'joint' | 'baseline', iterations: number): Config {
  return loadConfig(path.join(packageRoot(), 'configs', 'context_joint.json'), {
    variant,
    train: { iterations, logInterval: 25, checkpointInterval: 100 },
  });
}

/** Runs `guideseg train` in a child process (one core each), logging to a file. */
function trainInChild(config: Config, workDir: string): Promise<void> {
  fs.mkdirSync(workDir, { recursive: true });
  const configFile = path.join(workDir, 'demo_config.json');
  writeFileAtomicSync(configFile, JSON.stringify(config, null, 2));
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

/**
 * The ablation of the demo's two models on the val split: CRF settings (quick
 * search) and combination weights of each model, fitted on the first val
 * images and stored with it.
 */
async function demoAblation(reports: ModelReport[], dataset: Dataset, dirs: Record<'baseline' | 'joint', string>): Promise<DemoAblation> {
  const model = (name: string) => reports.find((r) => r.name === name)!.model;
  const entry = async (role: 'joint' | 'baseline') => ({
    model: model(role),
    network: tfjsRunner(model(role)),
    metadata: (await readModelJson(dirs[role])).userDefinedMetadata,
    checkpoint: dirs[role],
  });
  const runner = await createCrfRunner(Math.min(2, os.availableParallelism()));
  try {
    const { result, info } = await runAblationWorkflow({ joint: await entry('joint'), baseline: await entry('baseline') }, dataset, runner, {
      scales: [...PAPER_SCALES],
      flip: true,
      fit: 'missing',
      fitLimit: DEMO_FIT_IMAGES,
      space: QUICK_CRF_SEARCH,
      saveFitted: true,
      note: 'quick CRF search; the fitted settings overlap the evaluated images',
    });
    return { result, info };
  } finally {
    await runner.close();
  }
}

export function demoContextCommand(): Command {
  return new Command('demo-context')
    .description(
      'Generate the synthetic context data set, train the baseline and the joint model with the same budget ' +
        '(in parallel), evaluate both on its val split and write a report (Markdown table of mIoU and per-class ' +
        'IoU, prediction PNGs) with the ablation of the method (CRF settings and combination weights fitted on the first ' +
        `${DEMO_FIT_IMAGES} val images and stored with the joint model). Ends with one line per model: its name and mIoU in percent.`,
    )
    .option('-o, --out <dir>', 'output folder (its baseline/, joint/ and report/ are replaced)', 'runs/demo')
    .option('--iterations <n>', 'SGD steps per model', positiveInt, 300)
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
        const { model } = await loadCheckpoint(path.join(o.out, v, 'final'));
        const config = demoConfig(v, o.iterations);
        const result = await evaluateSplit(tfjsRunner(model), config.data, 'val', DEFAULT_PIPELINE);
        reports.push({ name: v, model, metrics: result.metrics });
      }
      const dataset = buildDataset(demoConfig('joint', o.iterations).data, 'val');
      const reportDir = path.join(o.out, 'report');
      process.stderr.write(`ablation: fitting on the first ${DEMO_FIT_IMAGES} val images, then evaluating every row\n`);
      const ablation = await demoAblation(reports, dataset, { baseline: path.join(o.out, 'baseline', 'final'), joint: path.join(o.out, 'joint', 'final') });
      for (const r of ablation.result.rows) process.stderr.write(`  ${r.label.padEnd(26)} mIoU ${(100 * r.metrics.mIoU).toFixed(2)}\n`);
      await writeDemoReport(reportDir, dataset, reports, { iterations: o.iterations, seconds: (performance.now() - started) / 1000 }, ablation);
      for (const r of reports) r.model.dispose();
      process.stderr.write(`report: ${path.join(reportDir, 'README.md')}\n`);
      for (const r of reports) process.stdout.write(`${r.name} mIoU ${(100 * r.metrics.mIoU).toFixed(2)}%\n`);
    });
}
