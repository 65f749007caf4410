/** `guideseg bench`: the benchmark workloads of BENCH.md, one line each. */
import { Command, Option } from 'commander';
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
        const r = await runWorkload(name, {
          model,
          runs: o.runs,
          warmup: o.warmup,
          camvidRoot: o.dataRoot ?? defaultCamvidRoot(),
        });
        const gflops = Number.isFinite(r.gflops) ? r.gflops.toFixed(2) : '-';
        process.stdout.write(`${r.workload.padEnd(12)} ${r.medianMs.toFixed(1).padStart(10)} ${gflops.padStart(8)}  ${r.detail ?? ''}\n`);
      }
    });
}
