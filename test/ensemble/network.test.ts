import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { candidateUnaries } from '../../src/ensemble/infer';
import { SIX_CANDIDATES } from '../../src/ensemble/candidates';
import { inferUnary, onnxRunner } from '../../src/ensemble/network';
import { tfjsRunner } from '../../src/ensemble/tfjs_runner';
import { buildSegmentor } from '../../src/model/build';
import { exportOnnx } from '../../src/model/onnx_export';
import { modelPreset } from '../../src/model/presets';
import { OnnxNetwork } from '../../src/onnx/network';
import { requireOnnxRuntime } from '../../src/onnx/node_runtime';
import { Rng } from '../../src/util/rng';
import { relL2 } from '../engine/helpers';

const L = 5;

before(async () => {
  await initBackend('cpu');
});

function tinyModel(variant: 'joint' | 'baseline' = 'joint') {
  return buildSegmentor(
    modelPreset('bench-vgg', { variant, numClasses: L, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } }),
    7,
  );
}

function randomImage(rng: Rng, height: number, width: number): Uint8Array {
  return Uint8Array.from({ length: height * width * 3 }, () => rng.int(256));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Float64 mean of n candidates laid out [n, P]. */
function averageOf(data: Float32Array, n: number, perCandidate: number): Float64Array {
  const out = new Float64Array(perCandidate);
  for (let k = 0; k < n; k++) for (let i = 0; i < perCandidate; i++) out[i] += data[k * perCandidate + i] / n;
  return out;
}

test('inferUnary (6 candidates, joint) equals the avg of the candidates, global averaged; no leak', async () => {
  const model = tinyModel('joint');
  const rng = new Rng(5);
  const [H, W] = [17, 21];
  const image = randomImage(rng, H, W);
  const count = tf.memory().numTensors;
  const result = await inferUnary(tfjsRunner(model), image, H, W, SIX_CANDIDATES);
  assert.equal(tf.memory().numTensors, count, 'inferUnary leaves no tensors');
  assert.equal(result.height, H);
  assert.equal(result.width, W);
  assert.equal(result.numClasses, L);
  const { unaries, global } = candidateUnaries(model, image, H, W, SIX_CANDIDATES);
  const ref = averageOf(unaries.dataSync() as Float32Array, 6, H * W * L);
  assert.ok(maxAbsDiff(result.scores, ref) < 1e-5);
  const g = global!.dataSync();
  const gMean = Array.from({ length: L }, (_, l) => [0, 1, 2, 3, 4, 5].reduce((s, k) => s + g[k * L + l], 0) / 6);
  assert.ok(maxAbsDiff(result.global!, gMean) < 1e-5);
  tf.dispose([unaries, global!]);
  model.dispose();
});

test('the ONNX Runtime runner gives the tfjs runner candidates (scales, flips batched per scale), globals and combination', async () => {
  const rng = new Rng(9);
  for (const variant of ['joint', 'baseline'] as const) {
    const model = tinyModel(variant);
    const network = await OnnxNetwork.open(requireOnnxRuntime(), exportOnnx(model, { version: 'test' }), 'tiny.onnx', 1, L);
    const onnx = onnxRunner(network);
    const tfjs = tfjsRunner(model);
    try {
      for (const [H, W] of [[23, 31], [16, 16]]) {
        const image = randomImage(rng, H, W);
        for (const opts of [SIX_CANDIDATES, { scales: [2, 0.7], flip: false }, { scales: [1], flip: true }]) {
          const a = await onnx.candidateMaps(image, H, W, opts);
          const b = await tfjs.candidateMaps(image, H, W, opts);
          assert.deepEqual(a.candidates, b.candidates);
          const err = relL2(a.unaries, b.unaries);
          assert.ok(err < 1e-4, `${variant} ${H}x${W} [${opts.scales}] flip ${opts.flip}: relative L2 ${err}`);
          assert.equal(a.globals === null, variant === 'baseline');
          if (a.globals && b.globals) assert.ok(relL2(a.globals, b.globals) < 1e-4);
        }
      }
    } finally {
      await onnx.release();
      model.dispose();
    }
  }
});
