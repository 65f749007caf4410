/**
 * The imports are proven on the published models' own outputs: the imported
 * MobileNetV2 files, run as the original classifiers on the sample images,
 * give the top-1 classes (and, for the uint8 model the figures were measured
 * with, probabilities within 3 points) listed in shared/weights/README.md.
 * Tiny Darknet is checked against a float64 reference of its Keras layers
 * (conv, BatchNorm, LeakyReLU, max pool) on a small input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { classifyImage, loadImageNetClassifier } from '../../src/weights/imagenet_check';
import { readLayersModel } from '../../src/weights/tfjs_layers';
import { Rng } from '../../src/util/rng';
import { sharedWeights } from './helpers';

const EXPECTED: Array<[image: string, label: string, percent: number]> = [
  ['cat.png', 'Egyptian cat', 73],
  ['grace_hopper.png', 'military uniform', 91],
  ['bird.png', 'chickadee', 98],
  ['dragonfly.png', 'dragonfly', 99],
  ['hot_dog.jpg', 'hotdog', 93],
];

const labels = () => fs.readFileSync(sharedWeights('imagenet_labels.txt'), 'utf8').split('\n');

for (const [file, checkProbability] of [['mobilenet_v2_1.0_224_quant.tflite', true], ['tf2_mobilenet_v2_1.0_224_ptq.tflite', false]] as const) {
  test(`${file} as imported gives the README's top-1 classes on the samples${checkProbability ? ' within 3 points' : ''}`, async () => {
    await initBackend('wasm');
    const loaded = loadImageNetClassifier(sharedWeights(file));
    const names = labels();
    try {
      for (const [image, label, percent] of EXPECTED) {
        const [top] = await classifyImage(loaded, sharedWeights('samples', image), 1);
        const name = names[top.index + loaded.labelOffset];
        assert.ok(name.split(', ').includes(label), `${image}: got "${name}", expected "${label}"`);
        if (checkProbability) assert.ok(Math.abs(100 * top.probability - percent) <= 3, `${image}: ${(100 * top.probability).toFixed(1)} %, expected ${percent} %`);
      }
    } finally {
      loaded.classifier.dispose();
    }
  });
}

/** Float64 Keras semantics of the Tiny Darknet file on an NHWC image: conv (SAME) → BN → LeakyReLU(0.1) → 2x2 SAME pools → conv16 → mean. */
function darknetReference(dir: string, image: Float64Array, size: number): Float64Array {
  const model = readLayersModel(dir);
  let [h, w, c] = [size, size, 3];
  let x = image;
  for (const layer of model.layers) {
    const get = (n: string) => model.weights.get(`${layer.name}/${n}`)!.values;
    if (layer.className === 'Conv2D') {
      const k = get('kernel');
      const [kh, , , oc] = model.weights.get(`${layer.name}/kernel`)!.shape;
      const bias = model.weights.has(`${layer.name}/bias`) ? get('bias') : null;
      const pad = (kh - 1) >> 1;
      const y = new Float64Array(h * w * oc);
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          for (let o = 0; o < oc; o++) {
            let s = bias ? bias[o] : 0;
            for (let a = 0; a < kh; a++) {
              const ii = i + a - pad;
              if (ii < 0 || ii >= h) continue;
              for (let b = 0; b < kh; b++) {
                const jj = j + b - pad;
                if (jj < 0 || jj >= w) continue;
                for (let ci = 0; ci < c; ci++) s += x[(ii * w + jj) * c + ci] * k[((a * kh + b) * c + ci) * oc + o];
              }
            }
            y[(i * w + j) * oc + o] = s;
          }
      [x, c] = [y, oc];
    } else if (layer.className === 'BatchNormalization') {
      const [g, be, mu, v] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(get);
      const eps = Number(layer.config.epsilon);
      x = x.map((val, i) => g[i % c] * (val - mu[i % c]) / Math.sqrt(v[i % c] + eps) + be[i % c]);
    } else if (layer.className === 'LeakyReLU') {
      x = x.map((val) => (val > 0 ? val : 0.1 * val));
    } else if (layer.className === 'MaxPooling2D') {
      const [oh, ow] = [Math.ceil(h / 2), Math.ceil(w / 2)];
      const y = new Float64Array(oh * ow * c).fill(-Infinity);
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let ci = 0; ci < c; ci++) {
        const o = ((i >> 1) * ow + (j >> 1)) * c + ci;
        y[o] = Math.max(y[o], x[(i * w + j) * c + ci]);
      }
      [x, h, w] = [y, oh, ow];
    }
  }
  const mean = new Float64Array(c);
  for (let i = 0; i < h * w; i++) for (let ci = 0; ci < c; ci++) mean[ci] += x[i * c + ci] / (h * w);
  return mean;
}

test('Tiny Darknet as imported (BatchNorm folded) matches a float64 reference of its Keras layers within 1e-4 relative', async () => {
  await initBackend('wasm');
  const dir = sharedWeights('darknet-tiny');
  const size = 32;
  const rng = new Rng(3);
  const pixels = Float64Array.from({ length: size * size * 3 }, () => Math.floor(rng.uniform(0, 256)));
  const logits = darknetReference(dir, pixels.map((v) => v / 255), size);
  const ref = logits.map((v) => Math.exp(v - Math.max(...logits)));
  const total = ref.reduce((a, b) => a + b, 0);
  const loaded = loadImageNetClassifier(dir);
  try {
    const got = tf.tidy(() => loaded.classifier.predict(tf.tensor4d(Float32Array.from(pixels), [1, size, size, 3]))).dataSync();
    let num = 0;
    let den = 0;
    for (let i = 0; i < got.length; i++) {
      num += (got[i] - ref[i] / total) ** 2;
      den += (ref[i] / total) ** 2;
    }
    assert.equal(got.length, 1000);
    assert.ok(Math.sqrt(num / den) < 1e-4, `relative L2 error ${Math.sqrt(num / den)}`);
  } finally {
    loaded.classifier.dispose();
  }
});
