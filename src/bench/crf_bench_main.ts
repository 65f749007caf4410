/** Prints the `crf` benchmark table: `npx tsx src/bench/crf_bench_main.ts [runs]`. */
import * as os from 'node:os';
import { benchCrf } from './crf_bench';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 7);
  const load = os.loadavg()[0];
  const rows = await benchCrf({ runs });
  console.log(`guidance CRF, 360x480, L=11, T=5, r=4, eps=10; median of ${runs} runs after 3 warm-ups`);
  console.log(`${os.availableParallelism()} CPUs, load average before/after: ${load.toFixed(2)} / ${os.loadavg()[0].toFixed(2)} (other processes make timings noisy)`);
  console.log('| workload | median wall ms (guide + CRF) | wall ms / iteration (CRF only) | median CPU ms, all threads (guide + CRF) |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.medianMs.toFixed(1)} | ${Number.isNaN(r.msPerIteration) ? '' : r.msPerIteration.toFixed(1)} | ${r.medianCpuMs.toFixed(1)} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
