import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { buildDataset } from '../../src/data/registry';
import { initBackend } from '../../src/engine/backend';
import { SINGLE_SCALE, SIX_CANDIDATES, type EnsembleOptions } from '../../src/ensemble/candidates';
import { evaluateDataset } from '../../src/eval/evaluate';
import type { SegmentationMetrics } from '../../src/eval/metrics';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import type { Segmentor } from '../../src/model/types';
import { tfjsRunner } from '../../src/ensemble/tfjs_runner';
import { ABLATION_ROWS, runAblation } from '../../src/tuning/ablation';
import { runAblationWorkflow } from '../../src/tuning/ablation_workflow';
import { ablationInfo, writeAblationReport } from '../../src/tuning/ablation_report';
import { prepareAblationSettings, type AblationSetupOptions } from '../../src/tuning/ablation_setup';
import { createCrfRunner, type CrfRunner } from '../../src/pipeline/crf_runner';
import { QUICK_CRF_SEARCH } from '../../src/tuning/fit_crf';
import { scorePredictor, type PipelineOptions } from '../../src/pipeline/predictor';

let runner: CrfRunner;
let tmp = '';
before(async () => {
  await initBackend('cpu');
  runner = await createCrfRunner(2);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-ablation-'));
});
after(async () => {
  await runner.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const dataset = buildDataset(
  { type: 'context', trainSplit: 'train', valSplit: 'val', context: { seed: 5, trainSize: 4, valSize: 3, height: 24, width: 28, noise: 10 } },
  'val',
);
const L = dataset.classes.length;

function tinyModel(variant: 'joint' | 'baseline', seed: number): Segmentor {
  const model = buildSegmentor(
    modelPreset('bench-vgg', { variant, numClasses: L, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } }),
    seed,
  );
  // An untrained model predicts one class everywhere; scaled-up fc8 weights give varied dense scores,
  // and distinct clsNet biases give distinct global scores, so that the CRF and λ change predictions.
  const variables = new Map(model.namedVariables());
  const fc8 = variables.get('denseHead.fc8.weight')!;
  tf.tidy(() => fc8.assign(tf.mul(fc8, 1000)));
  variables.get('clsHead.fc3.bias')?.assign(tf.tensor1d(Array.from({ length: L }, (_, l) => 2 * Math.cos(2 * l + seed))));
  return model;
}

/** A model with nothing stored, as the ablation set-up takes it. */
const entry = (model: Segmentor, checkpoint: string) => ({ model, network: tfjsRunner(model), metadata: undefined, checkpoint });

/** Counts forward passes of a model. */
function countForwards(model: Segmentor): { count: number } {
  const counter = { count: 0 };
  const forward = model.forward.bind(model);
  model.forward = (images, ctx) => {
    counter.count++;
    return forward(images, ctx);
  };
  return counter;
}

function sameMetrics(a: SegmentationMetrics, b: SegmentationMetrics, what: string): void {
  assert.ok(Math.abs(a.mIoU - b.mIoU) < 1e-12, `${what}: mIoU ${a.mIoU} vs ${b.mIoU}`);
  assert.ok(Math.abs(a.pixelAccuracy - b.pixelAccuracy) < 1e-12, `${what}: pixel accuracy ${a.pixelAccuracy} vs ${b.pixelAccuracy}`);
}

test('ablation on a tiny context set with two untrained models: every row equals an independent evaluation', async () => {
  const baseline = tinyModel('baseline', 1);
  const joint = tinyModel('joint', 2);
  const setup = await prepareAblationSettings({ joint: entry(joint, 'joint'), baseline: entry(baseline, 'baseline') }, dataset, runner, {
    scales: SIX_CANDIDATES.scales,
    flip: true,
    fit: 'missing',
    fitLimit: 2,
    space: QUICK_CRF_SEARCH,
    combinePixels: 200,
    combineIterations: 10,
  });
  for (const role of ['joint', 'baseline'] as const) {
    assert.ok(setup[role].fitted?.crf && setup[role].fitted?.combine && setup[role].fittedAveraged, `${role}: all fitted when the model has none`);
    assert.match(setup[role].crfSource, /fitted in this run on context\/val, first 2 images/);
    assert.match(setup[role].crfLearnedSource, /fitted in this run on context\/val, first 2 images/);
    assert.equal(setup[role].fitted?.crf?.record.combine, 'learned', `${role}: the stored CRF is the one fitted on the learned combination`);
    assert.deepEqual(setup[role].crfAveraged.settings, setup[role].crf);
  }
  assert.equal(setup.settings.crfPotts.lambda, 0);
  assert.equal(setup.baseline.crf.lambda, 0, 'the baseline has no global scores, so its CRF has no compatibility term');
  assert.deepEqual(setup.settings.baseline.combineWeights, setup.baseline.combineWeights);
  const never: AblationSetupOptions = { scales: [1], flip: false, fit: 'never', fitLimit: 2 };
  await assert.rejects(
    prepareAblationSettings({ joint: entry(joint, 'joint-dir'), baseline: entry(baseline, 'baseline-dir') }, dataset, runner, never),
    /joint-dir: the joint model lacks CRF settings fitted on averaged candidates.*and learned combination weights.*and CRF settings fitted on the learned combination/,
  );
  const weights = { scales: [1], flip: false, numClasses: L, weights: Array.from({ length: L }, () => 1) };
  // A CRF fitted on averaged candidates does not serve the learned rows.
  const avgOnly = { crf: setup.joint.crf, combineWeights: weights };
  await assert.rejects(
    prepareAblationSettings({ joint: { ...entry(joint, 'joint-dir'), metadata: avgOnly }, baseline: entry(baseline, 'baseline-dir') }, dataset, runner, never),
    (err: Error) => /joint-dir: the joint model lacks CRF settings fitted on the learned combination/.test(err.message) && !/averaged/.test(err.message),
  );
  // The joint model's stored settings (learned-combination CRF plus the averaged one beside it) suffice; the baseline still lacks its own.
  const stored = { crf: setup.joint.crfLearned, crfFit: { combine: 'learned' }, crfAveraged: setup.joint.crfAveraged, combineWeights: weights };
  await assert.rejects(
    prepareAblationSettings({ joint: { ...entry(joint, 'joint-dir'), metadata: stored }, baseline: entry(baseline, 'baseline-dir') }, dataset, runner, never),
    /baseline-dir: the baseline model lacks CRF settings fitted on averaged candidates/,
  );

  const forwards = { baseline: countForwards(baseline), joint: countForwards(joint) };
  const count = tf.memory().numTensors;
  // Strong settings, whatever the fit found on untrained models, so that the CRF rows differ.
  const settings = {
    ...setup.settings,
    crf: { ...setup.settings.crf, w: 4, lambda: 1, T: 3 },
    crfPotts: { ...setup.settings.crf, w: 4, lambda: 0, T: 3 },
    crfLearned: { ...setup.settings.crf, w: 2, lambda: 0.5, T: 2 },
    baseline: {
      ...setup.settings.baseline,
      crf: { ...setup.settings.baseline.crf, w: 3, lambda: 0, T: 2 },
      crfLearned: { ...setup.settings.baseline.crf, w: 6, lambda: 0, T: 2 },
    },
  };
  const result = await runAblation({ baseline: tfjsRunner(baseline), joint: tfjsRunner(joint) }, dataset, settings, runner);
  assert.equal(tf.memory().numTensors, count, 'no tensors left');
  assert.equal(forwards.baseline.count, 6 * dataset.length, 'baseline: one pass per candidate and image');
  assert.equal(forwards.joint.count, 6 * dataset.length, 'joint: one pass per candidate and image');
  assert.deepEqual(result.rows.map((r) => r.id), ABLATION_ROWS.map((r) => r.id));
  assert.deepEqual(result.combineTable.map((r) => r.combine), ['avg', 'max', 'avgmax', 'learned']);

  const { crf, crfPotts, crfLearned, combineWeights } = settings;
  const six = (combine: EnsembleOptions['combine']): EnsembleOptions => ({ ...SIX_CANDIDATES, combine, learnedWeights: Float32Array.from(combineWeights) });
  const evaluate = async (model: Segmentor, pipeline: PipelineOptions, oracle = false) =>
    (await evaluateDataset(dataset, scorePredictor(tfjsRunner(model), pipeline, { crfRunner: runner, oracle }), { numClasses: L, oracle })).metrics;
  const row = (id: string) => result.rows.find((r) => r.id === id)!;
  sameMetrics(row('baseline').metrics, await evaluate(baseline, { ensemble: six('avg') }), 'baseline');
  sameMetrics(row('baseline').singleScale!, await evaluate(baseline, { ensemble: SINGLE_SCALE }), 'baseline single');
  sameMetrics(row('clsnet').metrics, await evaluate(joint, { ensemble: six('avg') }), '+ clsNet');
  sameMetrics(row('guidance-crf').metrics, await evaluate(joint, { ensemble: six('avg'), crf: crfPotts }), '+ guidance CRF');
  sameMetrics(row('compatibility').metrics, await evaluate(joint, { ensemble: six('avg'), crf }), '+ compatibility');
  sameMetrics(row('compatibility').singleScale!, await evaluate(joint, { ensemble: SINGLE_SCALE, crf }), '+ compatibility single');
  sameMetrics(row('learn-combine').metrics, await evaluate(joint, { ensemble: six('learned'), crf: crfLearned }), '+ learn to combine');
  assert.equal(row('learn-combine').singleScale, null);
  sameMetrics(row('oracle').metrics, await evaluate(joint, { ensemble: six('learned'), crf: crfLearned }, true), '+ ground truth label');
  sameMetrics(row('oracle').singleScale!, await evaluate(joint, { ensemble: SINGLE_SCALE, crf }, true), '+ ground truth label single');
  const baselineSix: EnsembleOptions = { ...SIX_CANDIDATES, combine: 'learned', learnedWeights: Float32Array.from(settings.baseline.combineWeights) };
  sameMetrics(row('baseline-pipeline').metrics, await evaluate(baseline, { ensemble: baselineSix, crf: settings.baseline.crfLearned }), 'baseline, its own pipeline');
  assert.equal(row('baseline-pipeline').singleScale, null);
  sameMetrics(result.combineTable[1].noCrf, await evaluate(joint, { ensemble: six('max') }), 'max, no CRF');
  sameMetrics(result.combineTable[2].crf, await evaluate(joint, { ensemble: six('avgmax'), crf }), 'avgmax, CRF');
  sameMetrics(result.combineTable[3].crf, await evaluate(joint, { ensemble: six('learned'), crf: crfLearned }), 'learned, its own CRF');

  const files = await writeAblationReport(path.join(tmp, 'report'), result, ablationInfo(setup, dataset, { joint: 'j', baseline: 'b' }));
  const md = fs.readFileSync(files.markdown, 'utf8');
  for (const r of ABLATION_ROWS) assert.ok(md.includes(`| ${r.label} |`), `markdown has row ${r.label}`);
  assert.match(md, /\| \(avg \+ max\) \/ 2 \|/);
  assert.match(md, /!\[Ablation rows per class\]\(ablation_per_class\.png\)/);
  const svg = fs.readFileSync(path.join(tmp, 'report', 'ablation_per_class.svg'), 'utf8');
  for (const r of ABLATION_ROWS) assert.ok(svg.includes(r.label.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')), `chart legend names ${r.label}`);
  const json = JSON.parse(fs.readFileSync(files.json, 'utf8'));
  assert.equal(json.rows.length, ABLATION_ROWS.length);
  assert.equal(json.rows[0].metrics.perClass.length, L);
  baseline.dispose();
  joint.dispose();
});

test('an ablation of models with another class count than the data set is refused before any fitting', async () => {
  const joint = tinyModel('joint', 21);
  const other = buildSegmentor(modelPreset('bench-vgg', { variant: 'baseline', numClasses: L + 2, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 } }), 22);
  const started = performance.now();
  try {
    await assert.rejects(
      runAblationWorkflow({ joint: entry(joint, 'joint-dir'), baseline: entry(other, 'other-dir') }, dataset, runner, { scales: [1], flip: false, fit: 'always', fitLimit: 2, saveFitted: false }),
      new RegExp(`other-dir: the model has ${L + 2} classes but data set`),
    );
    assert.ok(performance.now() - started < 2000, 'refused at once');
  } finally {
    joint.dispose();
    other.dispose();
  }
});
