/** Command-line options of the inference pipeline (ensemble), shared by eval, predict and bench. */
import { Command, Option } from 'commander';
import type { CombineMode } from '../ensemble/infer';
import type { PipelineOptions } from '../pipeline/predictor';
import { numberList } from './common';

export interface PipelineCliOptions {
  scales: number[];
  flip?: boolean;
  combine: CombineMode;
}

/** Adds --scales, --flip and --combine to a command. */
export function addPipelineOptions(cmd: Command): Command {
  return cmd
    .option('--scales <list>', 'test-time scales, e.g. 1.2,1,0.8 (multiple reinitialization)', numberList, [1])
    .option('--flip', 'also run each scale on the flipped image')
    .addOption(
      new Option('--combine <mode>', 'how candidates are combined').choices(['avg', 'max', 'avgmax']).default('avg'),
    );
}

/** Pipeline settings from parsed options. */
export function pipelineFromOptions(o: PipelineCliOptions): PipelineOptions {
  return { ensemble: { scales: o.scales, flip: Boolean(o.flip), combine: o.combine } };
}
