/**
 * The ablation workflow, once: each model's settings (stored, or fitted on the
 * first images of the split), optionally stored back with the models, then
 * every row evaluated, and the header record of the report. `guideseg ablate`
 * and the synthetic context demo both run it.
 */
import type { Dataset } from '../data/types';
import type { CrfRunner } from '../pipeline/crf_runner';
import { runAblation, type AblationResult } from './ablation';
import { ablationInfo, type AblationInfo } from './ablation_report';
import { prepareAblationSettings, saveFittedSettings, type AblationModel, type AblationSetup, type AblationSetupOptions } from './ablation_setup';

/** Options of {@link runAblationWorkflow}. */
export interface AblationWorkflowOptions extends AblationSetupOptions {
  /** Store what was fitted in this run with each model's checkpoint. */
  saveFitted: boolean;
  /** Evaluate only the first n images. */
  limit?: number;
  /** A remark on the fitting, for the report's header. */
  note?: string;
  /** Progress of the evaluation pass. */
  onEvalImage?: (done: number, total: number) => void;
  /** Called once the settings are known (before the evaluation pass). */
  onSetup?: (setup: AblationSetup, saved: string[]) => void;
}

/** What {@link runAblationWorkflow} produced. */
export interface AblationWorkflowResult {
  setup: AblationSetup;
  result: AblationResult;
  info: AblationInfo;
  /** Checkpoint folders the fitted settings were stored with. */
  saved: string[];
}

/** Settings, optional storing, rows and report header of the ablation of `models` on `dataset`. */
export async function runAblationWorkflow(
  models: { joint: AblationModel; baseline: AblationModel },
  dataset: Dataset,
  runner: CrfRunner,
  opts: AblationWorkflowOptions,
): Promise<AblationWorkflowResult> {
  if (models.joint.model.config.variant !== 'joint') throw new Error(`${models.joint.checkpoint}: the joint model of an ablation must have a global branch`);
  // Checked before any fitting: class counts of both models and the data set(s).
  for (const m of [models.joint, models.baseline]) {
    for (const d of [dataset, opts.fitDataset].filter((x): x is Dataset => x !== undefined)) {
      if (m.model.config.numClasses !== d.classes.length) {
        throw new Error(`${m.checkpoint}: the model has ${m.model.config.numClasses} classes but data set ${d.type}/${d.split} has ${d.classes.length}`);
      }
    }
  }
  const dirs = { joint: models.joint.checkpoint, baseline: models.baseline.checkpoint };
  const setup = await prepareAblationSettings(models, dataset, runner, opts);
  const saved = opts.saveFitted ? await saveFittedSettings(setup, dirs) : [];
  opts.onSetup?.(setup, saved);
  const result = await runAblation({ baseline: models.baseline.network, joint: models.joint.network }, dataset, setup.settings, runner, {
    limit: opts.limit,
    onImage: opts.onEvalImage,
  });
  return { setup, result, info: ablationInfo(setup, dataset, dirs, opts.note), saved };
}
