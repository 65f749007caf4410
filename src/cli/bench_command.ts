/** `guideseg bench`: the benchmark workloads of BENCH.md, one line each. */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BackendName } from '../config/schema';
import { runWorkload, WORKLOADS, type WorkloadName } from '../bench/workloads';
import { modelPreset } from '../model/presets';
import { backendOption, defaultCamvidRoot, positiveInt, startBackend } from './common';

interface BenchCliOptions {
  workload?: WorkloadName;
  model: string;
  runs: number;
  warmup: number;
  dataRoot?: string;
  backend: BackendName;
  workers?: number[];
  batchSize?: number;
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
  return new Command('bench')
    .description(
      'Run the benchmark workloads of BENCH.md (all by default) and print, one line each, the workload, ' +
        'the median wall time over --runs runs after a warm-up, and the achieved GFLOP/s (2 FLOPs per multiply-add).',
    )
    .addOption(new Option('--workload <name>', 'run only this workload').choices([...WORKLOADS]))
    .option('-m, --model <preset>', 'model preset', 'bench-vgg')
    .option('--runs <n>', 'timed runs per workload (median reported; at least 5 is recommended)', positiveInt, 5)
    .option('--warmup <n>', 'untimed runs before timing', (v) => Number.parseInt(v, 10), 1)
    .option('--data-root <dir>', 'CamVid folder for eval-val (default: ../shared/datasets/camvid)')
    .option('--backend <name>', 'tfjs backend: wasm (default), cpu, tensorflow, auto', backendOption, 'wasm')
    .option(
      '--workers <list>',
      'train-step only: data-parallel worker counts to compare, e.g. 1,2 (1: this thread; more: worker threads); prints images/s and the speed-up',
      workerList,
    )
    .option('--batch-size <n>', 'train-step only: images per step (default 2, as BENCH.md defines the workload)', positiveInt)
    .action(async (o: BenchCliOptions) => {
      const backend = await startBackend(o.backend, true);
      const model = modelPreset(o.model);
      const { buildSegmentor } = await import('../model/build');
      const probe = buildSegmentor(model, 0);
      const params = probe.parameterCount();
      probe.dispose();
      process.stdout.write(`model ${model.name}: ${params.toLocaleString('en-US')} parameters; backend ${backend}\n`);
      process.stdout.write(`${'workload'.padEnd(12)} ${'median ms'.padStart(10)} ${'GFLOP/s'.padStart(8)}  detail\n`);
      for (const name of o.workload ? [o.workload] : WORKLOADS) {
        const counts = name === 'train-step' && o.workers ? o.workers : [undefined];
        const rates: Array<[number, number]> = [];
        for (const workers of counts) {
          const r = await runWorkload(name, {
            model,
            runs: o.runs,
            warmup: o.warmup,
            camvidRoot: o.dataRoot ?? defaultCamvidRoot(),
            workers,
            batchSize: o.batchSize,
          });
          const gflops = Number.isFinite(r.gflops) ? r.gflops.toFixed(2) : '-';
          process.stdout.write(`${r.workload.padEnd(12)} ${r.medianMs.toFixed(1).padStart(10)} ${gflops.padStart(8)}  ${r.detail ?? ''}\n`);
          if (workers !== undefined) rates.push([workers, 1000 / r.medianMs]);
        }
        // Speed-up of each worker count over the first one listed (same batch, so the ratio of step rates).
        for (const [workers, rate] of rates.slice(1)) {
          process.stdout.write(`speed-up ${workers} vs ${rates[0][0]} worker(s): ${(rate / rates[0][1]).toFixed(2)}x\n`);
        }
      }
    });
}
