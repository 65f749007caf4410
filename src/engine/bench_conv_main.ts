/**
 * Prints the convolution benchmark table on the wasm backend:
 * `npx tsx src/engine/bench_conv_main.ts [backend]`.
 */
import { initBackend } from './backend';
import { benchConv, formatBenchTable } from './conv_bench';

async function main(): Promise<void> {
  const name = (process.argv[2] ?? 'wasm') as 'wasm' | 'cpu';
  const backend = await initBackend(name);
  console.log(`backend: ${backend}`);
  const rows = await benchConv({ runs: 5, warmup: 1, includeStock: true, onRow: (r) => console.log(formatBenchTable([r]).split('\n')[1]) });
  console.log(`\n${formatBenchTable(rows)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
