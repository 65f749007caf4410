import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import { countFlops, flopBreakdown } from '../../src/model/flops';
import { Conv2d } from '../../src/model/layers/conv2d';
import { DepthwiseConv2d } from '../../src/model/layers/depthwise_conv2d';
import { Linear } from '../../src/model/layers/linear';
import { modelPreset } from '../../src/model/presets';
import { tinyConfig } from './helpers';

/** FLOPs measured by running the real model and counting each conv/FC call from its actual shapes. */
function measuredFlops(config: Parameters<typeof buildSegmentor>[0], h: number, w: number, batch: number): number {
  const model = buildSegmentor(config);
  let flops = 0;
  const convForward = Conv2d.prototype.forward;
  const linearForward = Linear.prototype.forward;
  const depthwiseForward = DepthwiseConv2d.prototype.forward;
  DepthwiseConv2d.prototype.forward = function (this: DepthwiseConv2d, x: tf.Tensor4D) {
    const y = depthwiseForward.call(this, x);
    flops += 2 * y.size * this.kernelSize ** 2;
    return y;
  };
  Conv2d.prototype.forward = function (this: Conv2d, x: tf.Tensor4D) {
    const y = convForward.call(this, x);
    const [k] = this.weight.shape;
    flops += 2 * y.size * k * k * x.shape[3];
    return y;
  };
  Linear.prototype.forward = function (this: Linear, x: tf.Tensor2D) {
    const y = linearForward.call(this, x);
    flops += 2 * y.size * x.shape[1];
    return y;
  };
  try {
    tf.tidy(() => {
      model.forward(tf.zeros([batch, h, w, 3]) as tf.Tensor4D, { training: false });
    });
  } finally {
    Conv2d.prototype.forward = convForward;
    Linear.prototype.forward = linearForward;
    DepthwiseConv2d.prototype.forward = depthwiseForward;
    model.dispose();
  }
  return flops;
}

test('countFlops equals the FLOPs of the layers the model actually runs', async () => {
  await initBackend('cpu');
  for (const cfg of [
    tinyConfig('bench-vgg'),
    tinyConfig('bench-vgg', { variant: 'baseline', backbone: { width: 0.125, outputStride: 16 } }),
    tinyConfig('bench-resnet'),
    tinyConfig('bench-resnet', { backbone: { type: 'resnet', depth: 50, width: 0.0625, outputStride: 8 } }),
    modelPreset('edgetpu-aspp', { denseHead: { channels: 16 }, clsHead: { hidden: 16 } }),
    modelPreset('mobilenetv2-largefov', { backbone: { width: 0.25, outputStride: 8 }, denseHead: { channels: 16 }, clsHead: { hidden: 16 } }),
  ]) {
    for (const [h, w] of [[45, 61], [32, 32]]) {
      assert.equal(countFlops(cfg, h, w, 2), measuredFlops(cfg, h, w, 2), `${cfg.backbone.type} ${h}x${w}`);
    }
  }
});

test('bench-vgg: about 10.5 GFLOP forward at 360x480, about 24 GFLOP per train step at 2 x 256^2', () => {
  const cfg = modelPreset('bench-vgg');
  const forward = countFlops(cfg, 360, 480, 1);
  assert.ok(forward > 10.4e9 && forward < 10.6e9, `forward ${forward}`);
  const train = 3 * countFlops(cfg, 256, 256, 2);
  assert.ok(train > 23.5e9 && train < 24.5e9, `train ${train}`);
  const parts = flopBreakdown(cfg, 360, 480);
  assert.equal(parts.total, parts.backbone + parts.denseHead + parts.clsHead);
  assert.equal(flopBreakdown({ ...cfg, variant: 'baseline' }, 360, 480).clsHead, 0);
});
