/**
 * `guideseg ablate`: the paper's ablation (Table 3, plus a "+ guidance CRF
 * (λ = 0)" row) and combination table (Table 2) for a baseline and a joint
 * model, written as Markdown and JSON.
 */
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { buildDataset } from '../data/registry';
import { loadCheckpoint } from '../model/serialization';
import type { Segmentor } from '../model/types';
import { writeAblationReport } from '../tuning/ablation_report';
import { runAblationWorkflow } from '../tuning/ablation_workflow';
import { createCrfRunner, type CrfRunner } from '../pipeline/crf_runner';
import { DEFAULT_CRF_SEARCH, QUICK_CRF_SEARCH } from '../tuning/fit_crf';
import { backendOption, numberList, positiveInt, startBackend, addDataOptions, addRuntimeOptions, progress, startNetwork, type RuntimeCliOptions } from './common';
import type { NetworkRunner } from '../ensemble/network';
import { resolveDataConfig } from '../train/data_config';
import { resolveCheckpoint } from '../train/run_folder';
import { PAPER_SCALES } from '../ensemble/candidates';

interface AblateCliOptions extends RuntimeCliOptions {
  joint: string;
  baseline: string;
  config?: string;
  data?: string;
  dataRoot?: string;
  split: string;
  limit?: number;
  out: string;
  scales: number[];
  flip: boolean;
  fit: 'missing' | 'always' | 'never';
  fitLimit: number;
  fitEvery: number;
  fitSplit?: string;
  quick?: boolean;
  saveFitted?: boolean;
  threads?: number;
  backend: string;
}

export function ablateCommand(): Command {
  const cmd = new Command('ablate')
    .description(
      'Evaluate the ablation of the method on a split and write <out>/ablation.md and ablation.json: rows baseline, ' +
        '+ clsNet, + guidance CRF (λ = 0), + compatibility, + learn to combine, + ground truth label (mIoU, pixel accuracy, ' +
        'per-class IoU; 6 candidates and single scale), and the table of combination rules (avg, max, (avg+max)/2, learned; ' +
        'without and with the CRF). Each image runs each network once per candidate. CRF settings and combination weights ' +
        'come from each model (fit-crf, learn-combine) or are fitted first on the first images of the split; the last row runs the baseline through the same pipeline with its own.',
    )
    .requiredOption('--joint <dir>', 'joint model (dense + clsNet): model folder or training work dir')
    .requiredOption('--baseline <dir>', 'baseline model (dense branch only): model folder or training work dir');
  addDataOptions(cmd, 'split to evaluate');
  addRuntimeOptions(cmd);
  return cmd
    .option('--limit <n>', 'evaluate only the first n images', positiveInt)
    .option('-o, --out <dir>', 'report folder', 'ablation')
    .option('--scales <list>', 'candidate scales', numberList, [...PAPER_SCALES])
    .option('--flip', 'also flipped candidates (default on)', true)
    .option('--no-flip', 'no flipped candidates')
    .addOption(
      new Option('--fit <when>', 'fit CRF settings / combination weights of each model: missing (those it lacks), always, never (fail)')
        .choices(['missing', 'always', 'never'])
        .default('missing'),
    )
    .option('--fit-limit <n>', 'fit on the first n images of the fit split (with --fit-every: at most n)', positiveInt, 20)
    .option('--fit-split <name>', 'split to fit the CRF and combination weights on (default: the evaluated split)')
    .option('--fit-every <k>', 'fit on every k-th image of the fit split (spreads the fit over its sequences)', positiveInt, 1)
    .option('--quick', 'fit the CRF on a few search points only')
    .option('--save-fitted', 'store what was fitted in this run with each model')
    .option('--threads <n>', 'CPU threads of the CRF (default: one per core)', positiveInt)
    .option('--backend <name>', 'tfjs backend: wasm (default), cpu, tensorflow, auto', backendOption, 'wasm')
    .action(async (o: AblateCliOptions) => {
      const jointDir = resolveCheckpoint(o.joint);
      const baselineDir = resolveCheckpoint(o.baseline);
      const data = resolveDataConfig(o, jointDir);
      await startBackend(o.backend as never);
      const dataset = buildDataset(data, o.split);
      const loaded: Segmentor[] = [];
      const networks: NetworkRunner[] = [];
      let runner: CrfRunner | null = null;
      try {
        const joint = await loadCheckpoint(jointDir);
        loaded.push(joint.model);
        const baseline = await loadCheckpoint(baselineDir);
        loaded.push(baseline.model);
        if (joint.model.config.variant !== 'joint') throw new Error(`${jointDir}: --joint must be a joint model (it has no global branch)`);
        runner = await createCrfRunner(o.threads);
        const jointNetwork = await startNetwork(joint.model, jointDir, o);
        networks.push(jointNetwork);
        const baselineNetwork = await startNetwork(baseline.model, baselineDir, o);
        networks.push(baselineNetwork);
        const { result, info } = await runAblationWorkflow(
          { joint: { ...joint, network: jointNetwork, checkpoint: jointDir }, baseline: { ...baseline, network: baselineNetwork, checkpoint: baselineDir } },
          dataset,
          runner,
          {
            scales: o.scales,
            flip: o.flip,
            fit: o.fit,
            fitLimit: o.fitLimit,
            fitEvery: o.fitEvery,
            fitDataset: o.fitSplit && o.fitSplit !== o.split ? buildDataset(data, o.fitSplit) : undefined,
            space: o.quick ? QUICK_CRF_SEARCH : DEFAULT_CRF_SEARCH,
            onImage: progress('fitting: network pass'),
            saveFitted: o.saveFitted ?? false,
            limit: o.limit,
            onEvalImage: progress('ablation'),
            onSetup: (setup, saved) => {
              for (const role of ['joint', 'baseline'] as const) {
                if (!setup[role].fitted) continue;
                const m = setup[role];
                process.stderr.write(`${role} CRF (averaged): ${m.crfSource}\n${role} combination weights: ${m.combineSource}\n${role} CRF (learned combination): ${m.crfLearnedSource}\n`);
              }
              for (const dir of saved) process.stderr.write(`fitted settings saved with ${path.join(dir, 'model.json')}\n`);
            },
          },
        );
        const files = await writeAblationReport(o.out, result, info);
        for (const r of result.rows) {
          const single = r.singleScale ? ` (single scale ${(100 * r.singleScale.mIoU).toFixed(2)})` : '';
          process.stdout.write(`${r.label.padEnd(26)} mIoU ${(100 * r.metrics.mIoU).toFixed(2)}${single}\n`);
        }
        process.stdout.write(`report: ${files.markdown}, ${files.json}\n`);
      } finally {
        for (const n of networks) await n.release();
        for (const m of loaded) m.dispose();
        await runner?.close();
      }
    });
}
