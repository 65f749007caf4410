/**
 * The MobileNetV2, Tiny Darknet and MobileNet-EdgeTPU backbones: feature
 * shapes at output strides 8/16 (and 32 for MobileNetV2) on odd sizes equal
 * `analyze()`, the dilation plan follows DeepLab (the stride given up dilates
 * later depthwise convs), conv FLOPs counted from the real calls equal the
 * analysis, and a training step through each gives the same gradients on
 * wasm and cpu and leaves no tensors behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { BACKBONES } from '../../../src/model/backbones';
import { mobileNetV2Plan } from '../../../src/model/backbones/mobilenetv2';
import { darknetTinyPlan } from '../../../src/model/backbones/darknet_tiny';
import { mobileNetEdgeTpuPlan } from '../../../src/model/backbones/mobilenet_edgetpu';
import { Conv2d } from '../../../src/model/layers/conv2d';
import { DepthwiseConv2d } from '../../../src/model/layers/depthwise_conv2d';
import { buildSegmentor } from '../../../src/model/build';
import { modelPreset } from '../../../src/model/presets';
import { Rng } from '../../../src/util/rng';

const CASES = [
  { type: 'mobilenetv2', width: 0.25, outputStride: 8 },
  { type: 'mobilenetv2', width: 0.25, outputStride: 16 },
  { type: 'mobilenetv2', width: 0.25, outputStride: 32, padding: 'tf' },
  { type: 'darknet-tiny', width: 0.125, outputStride: 8 },
  { type: 'darknet-tiny', width: 0.125, outputStride: 16, padding: 'tf' },
  { type: 'mobilenet-edgetpu', outputStride: 8 },
  { type: 'mobilenet-edgetpu', outputStride: 16 },
] as const;

/** Conv FLOPs of one forward pass, counted from the real calls' shapes. */
function measuredFlops(backbone: ReturnType<(typeof BACKBONES)['get']>['build'] extends (...a: never[]) => infer B ? B : never, x: tf.Tensor4D): number {
  let flops = 0;
  const conv = Conv2d.prototype.forward;
  const dw = DepthwiseConv2d.prototype.forward;
  Conv2d.prototype.forward = function (this: Conv2d, input: tf.Tensor4D) {
    const y = conv.call(this, input);
    flops += 2 * y.size * this.kernelSize ** 2 * input.shape[3];
    return y;
  };
  DepthwiseConv2d.prototype.forward = function (this: DepthwiseConv2d, input: tf.Tensor4D) {
    const y = dw.call(this, input);
    flops += 2 * y.size * this.kernelSize ** 2;
    return y;
  };
  try {
    tf.tidy(() => backbone.forward(x, { training: false }));
  } finally {
    Conv2d.prototype.forward = conv;
    DepthwiseConv2d.prototype.forward = dw;
  }
  return flops;
}

for (const config of CASES) {
  test(`${config.type} stride ${config.outputStride}${'padding' in config ? ` (${config.padding})` : ''}: shapes and FLOPs agree with analyze()`, async () => {
    await initBackend('cpu');
    const entry = BACKBONES.get(config.type);
    const full = { padding: 'symmetric', ...config } as never;
    const backbone = entry.build(full, new Rng(1));
    try {
      for (const [h, w] of [[37, 50], [64, 64]]) {
        const x = tf.randomUniform([1, h, w, 3]) as tf.Tensor4D;
        const y = tf.tidy(() => backbone.forward(x, { training: false }));
        const a = entry.analyze(full, h, w);
        assert.deepEqual(y.shape, [1, a.height, a.width, a.channels]);
        if (!('padding' in config)) assert.deepEqual([a.height, a.width], [Math.ceil(h / config.outputStride), Math.ceil(w / config.outputStride)]);
        assert.equal(measuredFlops(backbone as never, x), a.flops);
        tf.dispose([x, y]);
      }
    } finally {
      backbone.dispose();
    }
  });
}

test('MobileNetV2 dilation plan: stride 16 dilates blocks 14-16 by 2; stride 8 also blocks 7-13 (2) and 14-16 (4)', () => {
  const d16 = mobileNetV2Plan({ width: 1, outputStride: 16 }).blocks.map((b) => `${b.stride}/${b.dilation}`);
  assert.deepEqual(d16.slice(13), ['1/1', '1/2', '1/2', '1/2']);
  assert.deepEqual(d16.slice(0, 13).filter((s) => s === '2/1').length, 3);
  const d8 = mobileNetV2Plan({ width: 1, outputStride: 8 }).blocks.map((b) => `${b.stride}/${b.dilation}`);
  assert.deepEqual(d8.slice(6), ['1/1', '1/2', '1/2', '1/2', '1/2', '1/2', '1/2', '1/2', '1/4', '1/4', '1/4']);
  const dk = darknetTinyPlan({ width: 1, outputStride: 8 });
  assert.deepEqual(dk.filter((s) => s.kind === 'pool').map((s) => (s as { stride: number }).stride), [2, 2, 2, 1]);
  assert.deepEqual(dk.filter((s) => s.kind === 'conv' && s.dilation === 2).map((s) => (s as { name: string }).name), ['conv12', 'conv14']);
});

test('MobileNet-EdgeTPU dilation plan: stride 16 is the published one (blocks 18-21 dilated by 2); stride 8 also dilates blocks 10-17', () => {
  const d16 = mobileNetEdgeTpuPlan(16).blocks.map((b) => `${b.stride}/${b.dilation}`);
  assert.deepEqual(d16.filter((s) => s === '2/1').length, 3);
  assert.deepEqual(d16.slice(17), ['1/1', '1/2', '1/2', '1/2', '1/2']);
  const d8 = mobileNetEdgeTpuPlan(8).blocks.map((b) => `${b.stride}/${b.dilation}`);
  assert.deepEqual(d8.slice(9), ['1/1', ...Array(8).fill('1/2'), '1/4', '1/4', '1/4', '1/4']);
  assert.deepEqual(mobileNetEdgeTpuPlan(16).blocks.map((b) => b.residual).filter(Boolean).length, 15);
});

const STEP_CASES = [
  modelPreset('mobilenetv2-largefov', { backbone: { width: 0.25 }, denseHead: { channels: 16 }, clsHead: { hidden: 16 } }),
  modelPreset('edgetpu-aspp', { denseHead: { channels: 16 }, clsHead: { hidden: 16 } }),
];

for (const config of STEP_CASES) test(`a training step through a ${config.backbone.type} segmentor on wasm and cpu gives the same gradients and leaves no tensors`, async () => {
  const results: Float32Array[][] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend);
    const model = buildSegmentor(config, 2);
    const before = tf.memory().numTensors;
    const images = tf.randomUniform([2, 33, 40, 3], 0, 255, 'float32', 5) as tf.Tensor4D;
    const vars = model.namedTrainableVariables().map(([, v]) => v);
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(images, { training: false });
      return tf.sum(tf.square(model.unary(out, 33, 40))) as tf.Scalar;
    }, vars);
    results.push(vars.map((v) => grads[v.name].dataSync() as Float32Array));
    tf.dispose([images, value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  }
  for (let i = 0; i < results[0].length; i++) {
    const [a, b] = [results[0][i], results[1][i]];
    let num = 0;
    let den = 0;
    for (let j = 0; j < a.length; j++) {
      num += (a[j] - b[j]) ** 2;
      den += b[j] ** 2;
    }
    assert.ok(Math.sqrt(num / Math.max(den, 1e-30)) < 1e-4, `variable ${i}: rel L2 ${Math.sqrt(num / den)}`);
  }
});
