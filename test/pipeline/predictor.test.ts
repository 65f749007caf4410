import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { buildDataset } from '../../src/data/registry';
import { initBackend } from '../../src/engine/backend';
import { SIX_CANDIDATES } from '../../src/ensemble/candidates';
import { inferUnary } from '../../src/ensemble/network';
import { tfjsRunner } from '../../src/ensemble/tfjs_runner';
import { evaluateDataset } from '../../src/eval/evaluate';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import { DEFAULT_PIPELINE, predictScores, scorePredictor } from '../../src/pipeline/predictor';

test('scorePredictor feeds evaluateDataset with the pipeline scores of each sample', async () => {
  await initBackend('cpu');
  const dataset = buildDataset({ type: 'context', trainSplit: 'train', valSplit: 'val', context: { seed: 0, trainSize: 8, valSize: 3, height: 24, width: 20, noise: 10 } }, 'val');
  const L = dataset.classes.length;
  const model = buildSegmentor(
    modelPreset('bench-vgg', {
      numClasses: L,
      backbone: { width: 0.0625 },
      denseHead: { channels: 8, dilation: 2 },
      clsHead: { hidden: 8, poolSize: 2 },
    }),
    2,
  );
  const sample = await dataset.get(0);
  const pipeline = { ensemble: { ...SIX_CANDIDATES, combine: 'avgmax' as const } };
  const count = tf.memory().numTensors;
  const scores = await scorePredictor(tfjsRunner(model), pipeline)(sample);
  assert.equal(scores.length, sample.height * sample.width * L);
  assert.deepEqual(Array.from(scores), Array.from((await inferUnary(tfjsRunner(model), sample.image, sample.height, sample.width, pipeline.ensemble)).scores));
  const single = await predictScores(tfjsRunner(model), sample.image, sample.height, sample.width);
  assert.deepEqual(Array.from(single.scores), Array.from((await inferUnary(tfjsRunner(model), sample.image, sample.height, sample.width, DEFAULT_PIPELINE.ensemble)).scores));
  assert.ok(single.scores.some((v, i) => v !== scores[i]), 'the pipeline options are used');

  const result = await evaluateDataset(dataset, scorePredictor(tfjsRunner(model)), { numClasses: L });
  assert.equal(result.images, 3);
  let labelled = 0;
  for (let i = 0; i < 3; i++) labelled += (await dataset.get(i)).label.filter((v) => v !== 255).length;
  assert.equal(result.confusion.total(), labelled);
  assert.equal(tf.memory().numTensors, count, 'no tensors left');
  model.dispose();
});
