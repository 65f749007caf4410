/** `guideseg plot RUN_DIR`: the training curves of a run as SVG and PNG, with a Markdown page. */
import * as path from 'node:path';
import { Command } from 'commander';
import { writeTrainingReport } from '../report/training_report';
import { checkOutputFolder } from '../util/atomic_write';

export function plotCommand(): Command {
  return new Command('plot')
    .description('Draw the training curves of a run (loss terms, learning rate, validation mIoU where evaluated) from its metrics.jsonl.')
    .argument('<run-dir>', 'work dir of guideseg train')
    .option('-o, --out <dir>', 'report folder (default: RUN_DIR/report)')
    .action(async (runDir: string, o: { out?: string }) => {
      const out = o.out ?? path.join(runDir, 'report');
      checkOutputFolder(out, '--out');
      process.stdout.write(`report: ${await writeTrainingReport(runDir, out)}\n`);
    });
}
