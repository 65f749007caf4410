/**
 * Command-line options of the inference pipeline (ensemble and guidance CRF),
 * shared by eval, predict, fit-crf, learn-combine and ablate.
 */
import { Command, Option } from 'commander';
import type { CrfSettings } from '../crf/settings';
import type { CombineMode } from '../ensemble/combine';
import type { StoredInferenceSettings } from '../pipeline/model_settings';
import type { PipelineOptions } from '../pipeline/predictor';
import { resolvePipeline, type PipelineChoices } from '../pipeline/resolve';
import { nonNegativeInt, nonNegativeNumber, numberList, positiveInt, sizeOption } from './common';

export interface PipelineCliOptions {
  scales?: number[];
  window?: [number, number];
  flip?: boolean;
  combine?: CombineMode;
  crf?: boolean;
  crfW?: number;
  crfLambda?: number;
  crfR?: number;
  crfEps?: number;
  crfIterations?: number;
  crfSubsample?: number;
  threads?: number;
}

/** Adds --scales, --flip, --combine (ensemble) to a command. */
export function addEnsembleOptions(
  cmd: Command,
  defaults: { scales: string; flip: string; combine?: string } = { scales: '1', flip: 'off' },
  combineModes: CombineMode[] = ['avg', 'max', 'avgmax', 'learned'],
): Command {
  return cmd
    .option(
      '--scales <list>',
      `test-time scales, e.g. 1.2,1,0.8 (multiple reinitialization; default ${defaults.scales}, or the model's stored test scale, or those of the learned weights)`,
      numberList,
    )
    .option('--window <HxW>', 'sliding-window inference: overlapping tiles of this size (stride 2/3 of it), averaged; for large images such as Cityscapes 1024x2048 (e.g. 512x1024). The alternative is downscaled inference, --scales 0.5', sizeOption)
    .option('--flip', `also run each scale on the flipped image (default ${defaults.flip})`)
    .option('--no-flip', 'do not add flipped candidates')
    .addOption(
      new Option('--combine <mode>', `how candidates are combined (default ${defaults.combine ?? 'avg'}; learned: the weights stored by learn-combine)`).choices(
        combineModes,
      ),
    );
}

/** Adds the guidance CRF options and --threads to a command. */
export function addCrfOptions(cmd: Command): Command {
  return cmd
    .option('--crf', 'guidance CRF on (default: on when the model has stored CRF settings, see fit-crf)')
    .option('--no-crf', 'guidance CRF off')
    .option('--crf-w <w>', 'CRF pairwise weight w (default: stored, else 5)', nonNegativeNumber)
    .option('--crf-lambda <λ>', 'weight λ of the content-sensitive compatibility (0 = plain guidance CRF)', nonNegativeNumber)
    .option('--crf-r <r>', 'guided-filter window radius r', positiveInt)
    .option('--crf-eps <ε>', 'guided-filter regularization ε (0..255 image scale)', nonNegativeNumber)
    .option('--crf-iterations <T>', 'mean-field iterations T', nonNegativeInt)
    .option('--crf-subsample <s>', 'fast guided filter subsampling (1 = exact)', positiveInt)
    .option('--threads <n>', 'CPU threads of the CRF (default: one per core)', positiveInt);
}

/** Adds every pipeline option (ensemble + CRF). */
export function addPipelineOptions(cmd: Command): Command {
  return addCrfOptions(addEnsembleOptions(cmd));
}

/** The CRF settings given on the command line (absent ones undefined). */
export function crfOverridesFromOptions(o: PipelineCliOptions): Partial<CrfSettings> {
  return { w: o.crfW, lambda: o.crfLambda, r: o.crfR, eps: o.crfEps, T: o.crfIterations, subsample: o.crfSubsample };
}

/** The user's choices from parsed options. */
export function choicesFromOptions(o: PipelineCliOptions): PipelineChoices {
  return { scales: o.scales, window: o.window ? { height: o.window[0], width: o.window[1] } : undefined, flip: o.flip, combine: o.combine, crf: o.crf, crfOverrides: crfOverridesFromOptions(o) };
}

/** Pipeline settings from parsed options over the settings stored with the model. */
export function pipelineFromOptions(o: PipelineCliOptions, stored: StoredInferenceSettings = {}): PipelineOptions {
  return resolvePipeline(choicesFromOptions(o), stored);
}

/** The candidates and how they are combined, for logs. */
export function describeEnsemble(e: PipelineOptions['ensemble']): string {
  const n = e.scales.length * (e.flip ? 2 : 1);
  const tiles = e.window ? `, ${e.window.height}x${e.window.width} sliding window` : '';
  return (n === 1 && e.scales[0] === 1 ? 'single scale' : `${n} candidates (scales ${e.scales.join(',')}${e.flip ? ' × flip' : ''}, ${e.combine})`) + tiles;
}

/** One line describing a pipeline, for logs. */
export function describePipeline(p: PipelineOptions): string {
  const ens = describeEnsemble(p.ensemble);
  const c = p.crf;
  const crf = c ? `guidance CRF w=${c.w} λ=${c.lambda} r=${c.r} ε=${c.eps} T=${c.T}${c.subsample > 1 ? ` s=${c.subsample}` : ''}` : 'no CRF';
  return `${ens}; ${crf}`;
}
