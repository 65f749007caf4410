/**
 * Prints the convolution benchmark: `npx tsx src/bench/conv_bench_main.ts [wasm|cpu] [runs]`.
 * One line per shape with forward / backprop-input / backprop-filter median
 * times and GFLOP/s, the backward/forward ratios, and the stock wasm
 * Conv2DBackpropInput where the project replaced it.
 */
import { initBackend } from '../engine/backend';
import { BenchRow, VGG_CASES, benchConv } from './conv_bench';

function cell(row: BenchRow | undefined): string {
  return row === undefined ? '-'.padStart(17) : `${row.medianMs.toFixed(1).padStart(7)} ms ${row.gflops.toFixed(1).padStart(5)} GF`;
}

async function main(): Promise<void> {
  const name = (process.argv[2] ?? 'wasm') as 'wasm' | 'cpu';
  const runs = Number(process.argv[3] ?? 7);
  const backend = await initBackend(name);
  console.log(`backend ${backend}, batch 2, median of ${runs} runs after 1 warm-up (GF = GFLOP/s, 2 FLOPs per multiply-add)`);
  const rows = await benchConv({ runs, warmup: 1, includeStock: true });
  const byName = new Map(rows.map((r) => [r.name, r]));
  const header = ['shape'.padEnd(24), 'forward'.padStart(17), 'backprop-input'.padStart(17), 'backprop-filter'.padStart(17)];
  console.log(`${header.join('  ')}  in/fwd  filt/fwd  ${'stock backprop-input'.padStart(20)}`);
  for (const c of VGG_CASES) {
    const [f, bi, bf, stock] = ['forward', 'backprop-input', 'backprop-filter', 'backprop-input (stock)'].map((k) =>
      byName.get(`${c.name} ${k}`),
    );
    const ratio = (r: BenchRow | undefined): string => (r && f ? (r.medianMs / f.medianMs).toFixed(2) : '-');
    console.log(
      `${c.name.padEnd(24)}  ${cell(f)}  ${cell(bi)}  ${cell(bf)}  ${ratio(bi).padStart(6)}  ${ratio(bf).padStart(8)}  ${cell(stock).padStart(20)}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
