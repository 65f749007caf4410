/** `guideseg data check`: reads a whole split once and reports what it holds and every bad pair. */
import { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { scanDataset } from '../data/check';
import { buildDataset, datasetTypes } from '../data/registry';
import { DataStatsAccumulator } from '../data/stats';
import { formatDataCheck, writeDataCheckReport } from '../report/data_report';
import { checkOutputFolder } from '../util/atomic_write';

interface DataCheckOptions {
  root?: string;
  split: string;
  options?: string;
  out?: string;
}

/** Parses `--options` as a JSON object of the data set's own options. */
function datasetOptions(type: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`--options: not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('--options: expected a JSON object');
  return { [type]: value };
}

export function dataCommand(): Command {
  const check = new Command('check')
    .description(
      'Read every pair of a split once, with a progress bar: counts, image sizes, pixels and presence per class, the class ' +
        'co-occurrence matrix, and every bad pair (missing or unreadable file, size mismatch, id out of range). Exits 1 when any pair is bad.',
    )
    .argument('<type>', `data set type (registered: ${datasetTypes().join(', ')})`)
    .option('--root <dir>', 'data set folder')
    .option('-s, --split <name>', 'split to check', 'train')
    .option('--options <json>', 'the data set\'s own options, e.g. \'{"labels":"trainIds"}\' for cityscapes')
    .option('-o, --out <dir>', 'also write a report folder: data_check.md, data_check.json and the charts (SVG and PNG)')
    .action(async (type: string, o: DataCheckOptions) => {
      if (o.out) checkOutputFolder(o.out, '--out');
      const dataset = buildDataset({ type, root: o.root, trainSplit: o.split, valSplit: o.split, deferMissingFiles: true, ...datasetOptions(type, o.options) }, o.split);
      const stats = new DataStatsAccumulator(dataset.classes);
      const bar = new SingleBar({ format: `check ${type}/${o.split} |{bar}| {value}/{total} pairs`, stream: process.stderr, noTTYOutput: false }, Presets.shades_classic);
      bar.start(dataset.length, 0);
      let bad;
      try {
        bad = await scanDataset(dataset, { onSample: (s) => stats.add(s), onProgress: (done) => bar.update(done) });
      } finally {
        bar.stop();
      }
      const entries = (dataset as { entries?: ReadonlyArray<{ name: string }> }).entries;
      const report = { type, split: o.split, root: o.root ?? '', listed: dataset.length, stats: stats.result(), bad: bad.map((b) => ({ ...b, name: entries?.[b.index]?.name })), palette: dataset.palette };
      process.stdout.write(formatDataCheck(report) + '\n');
      if (o.out) process.stdout.write(`report: ${await writeDataCheckReport(o.out, report)}\n`);
      if (bad.length) process.exitCode = 1;
    });
  return new Command('data').description('Data set tools.').addCommand(check);
}
