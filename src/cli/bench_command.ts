/** `guideseg bench`: the benchmark workloads of docs/benchmarks.md, one line each. */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BackendName } from '../engine/backend';
import { compareTrainStep } from '../bench/train_step_bench';
import { runWorkload } from '../bench/workloads';
import { WORKLOADS, type WorkloadName, type WorkloadResult } from '../bench/types';
import { median } from '../util/timing';
import { modelPreset } from '../model/presets';
import { addRuntimeOptions, backendOption, nonNegativeInt, positiveInt, startBackend, type RuntimeCliOptions } from './common';
import { resolveRuntime } from '../pipeline/runtime';
import { defaultCamvidRoot } from '../data/datasets/camvid';
import { loadCheckpoint } from '../model/serialization';
import { resolveCheckpoint } from '../train/run_folder';

interface BenchCliOptions extends RuntimeCliOptions {
  checkpoint?: string;
  workload?: WorkloadName;
  model: string;
  runs: number;
  warmup: number;
  dataRoot?: string;
  backend: BackendName;
  workers?: number[];
  batchSize?: number;
  perWorker?: number;
  bnGroupSize?: number;
  computeOnly?: boolean;
}

/** Parses a comma-separated list of worker counts, e.g. `1,2`. */
function workerList(value: string): number[] {
  const items = value.split(',').map((s) => Number(s.trim()));
  if (!items.length || items.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(`expected comma-separated positive integers, got "${value}"`);
  }
  return items;
}

export function benchCommand(): Command {
  return addRuntimeOptions(new Command('bench'))
    .description(
      'Run the benchmark workloads of docs/benchmarks.md (all by default) and print, one line each, the workload, ' +
        'the median wall time over --runs runs after a warm-up, and the achieved GFLOP/s (2 FLOPs per multiply-add).',
    )
    .addOption(new Option('--workload <name>', 'run only this workload').choices([...WORKLOADS]))
    .option('-m, --model <preset>', 'model preset', 'bench-vgg')
    .option('-k, --checkpoint <dir>', 'infer, infer-tta and eval-val on this trained model (e.g. models/camvid-edgetpu-aspp) instead of a fresh --model')
    .option('--runs <n>', 'timed runs per workload (median reported; at least 5 is recommended)', positiveInt, 5)
    .option('--warmup <n>', 'untimed runs before timing', nonNegativeInt, 1)
    .option('--data-root <dir>', 'CamVid folder for eval-val (default: ../shared/datasets/camvid)')
    .option('--backend <name>', 'tfjs backend: wasm (default), cpu, tensorflow, auto', backendOption, 'wasm')
    .option(
      '--workers <list>',
      'train-step only: data-parallel worker counts to compare, e.g. 1,2 (1: this thread; more: worker threads). ' +
        'The counts are timed in interleaved rounds (one step of each per round) so drifts of machine speed cancel; ' +
        'prints images/s, where each worker\'s time went, and the speed-up over the first count',
      workerList,
    )
    .option('--batch-size <n>', 'train-step only: images per step (default 2, as docs/benchmarks.md defines the workload)', positiveInt)
    .addOption(
      new Option(
        '--per-worker <n>',
        'train-step with --workers only: a fixed batch of n images per worker, so each count steps n × workers images ' +
          '(weak scaling, the way data-parallel toolkits count a per-device batch, like mmsegmentation\'s ' +
          'samples_per_gpu); without it every count steps the same --batch-size',
      )
        .argParser(positiveInt)
        .conflicts('batchSize'),
    )
    .option(
      '--compute-only',
      'train-step only: worker threads compute their shard\'s gradients and nothing else (no BatchNorm exchange, ' +
        'no weight traffic, no update), which bounds the speed-up any data-parallel step can reach on this machine',
    )
    .option(
      '--bn-group-size <n>',
      'train-step only: samples per BatchNorm group (default 0: the whole batch, synchronized across workers; ' +
        'a group inside one worker\'s shard needs no exchange)',
      nonNegativeInt,
    )
    .action(async (o: BenchCliOptions, command: Command) => {
      if (o.perWorker !== undefined && !o.workers) command.error('error: option --per-worker needs --workers');
      const backend = await startBackend(o.backend, true);
      const loaded = o.checkpoint ? (await loadCheckpoint(resolveCheckpoint(o.checkpoint))).model : undefined;
      const model = loaded ? loaded.config : modelPreset(o.model);
      const { buildSegmentor } = await import('../model/build');
      const probe = loaded ?? buildSegmentor(model, 0);
      const params = probe.parameterCount();
      if (!loaded) probe.dispose();
      process.stdout.write(`model ${model.name}: ${params.toLocaleString('en-US')} parameters; backend ${backend}; inference runtime ${resolveRuntime(o.runtime)}\n`);
      process.stdout.write(`${'workload'.padEnd(12)} ${'median ms'.padStart(10)} ${'GFLOP/s'.padStart(8)}  detail\n`);
      const runtime = resolveRuntime(o.runtime);
      const ctx = { model, loadedModel: loaded, runs: o.runs, warmup: o.warmup, camvidRoot: o.dataRoot ?? defaultCamvidRoot(), batchSize: o.batchSize, perWorker: o.perWorker, bnGroupSize: o.bnGroupSize, runtime, onnxThreads: o.onnxThreads };
      const print = (r: WorkloadResult) => {
        const gflops = Number.isFinite(r.gflops) ? r.gflops.toFixed(2) : '-';
        process.stdout.write(`${r.workload.padEnd(12)} ${r.medianMs.toFixed(1).padStart(10)} ${gflops.padStart(8)}  ${r.detail ?? ''}\n`);
      };
      try {
        for (const name of o.workload ? [o.workload] : WORKLOADS) {
          if (name !== 'train-step' || !o.workers) {
            print(await runWorkload(name, ctx));
            continue;
          }
          const { results, speedUps } = await compareTrainStep(ctx, o.workers, o.computeOnly);
          results.forEach(print);
          for (const s of speedUps) {
            const rounds = [...s.perRound].sort((a, b) => a - b);
            process.stdout.write(
              `speed-up in images/s, ${s.workers} vs ${s.baseWorkers} worker(s): ${s.ofMedians.toFixed(2)}x (at the median step times); ` +
                `per round: median ${median(rounds).toFixed(2)}x, range ${rounds[0].toFixed(2)}–${rounds[rounds.length - 1].toFixed(2)}x ` +
                `over ${rounds.length} rounds\n`,
            );
          }
        }
      } finally {
        loaded?.dispose();
      }
    });
}
