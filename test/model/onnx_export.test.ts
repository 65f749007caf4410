import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ModelConfigInput } from '../../src/model/model_config';
import { buildSegmentor } from '../../src/model/build';
import { exportOnnx } from '../../src/model/onnx_export';
import { BatchNorm2d } from '../../src/model/layers/batchnorm';
import { OnnxNetwork } from '../../src/onnx/network';
import { requireOnnxRuntime } from '../../src/onnx/node_runtime';
import { Rng } from '../../src/util/rng';
import { relL2 } from '../engine/helpers';
import { randomArray } from './helpers';

// Every registered backbone (small widths where it has one), both dense heads, both variants.
const CASES: Array<[string, ModelConfigInput]> = [
  ['vgg16 s8 largefov joint', { numClasses: 5, backbone: { type: 'vgg16', width: 0.0625, outputStride: 8 }, denseHead: { channels: 8 }, clsHead: { hidden: 8, poolSize: 3 } }],
  ['vgg16 s16 largefov baseline', { numClasses: 4, variant: 'baseline', backbone: { type: 'vgg16', width: 0.0625, outputStride: 16 }, denseHead: { channels: 8 } }],
  ['resnet18 s8 (BatchNorm) joint', { numClasses: 3, backbone: { type: 'resnet', depth: 18, width: 0.125, outputStride: 8 }, denseHead: { channels: 8 }, clsHead: { hidden: 8, poolSize: 2 } }],
  ['resnet50 s16 aspp-lite baseline', { numClasses: 3, variant: 'baseline', backbone: { type: 'resnet', depth: 50, width: 0.0625, outputStride: 16 }, denseHead: { type: 'aspp-lite', channels: 8 } }],
  ['mobilenetv2 s16 symmetric joint', { numClasses: 6, backbone: { type: 'mobilenetv2', width: 0.35, outputStride: 16 }, denseHead: { channels: 8 }, clsHead: { hidden: 8, poolSize: 3 } }],
  ['mobilenetv2 s8 tf padding joint', { numClasses: 3, backbone: { type: 'mobilenetv2', width: 0.35, outputStride: 8, padding: 'tf' }, denseHead: { type: 'aspp-lite', channels: 8 }, clsHead: { hidden: 8, poolSize: 3 } }],
  ['darknet-tiny s16 symmetric joint', { numClasses: 4, backbone: { type: 'darknet-tiny', width: 0.25, outputStride: 16 }, denseHead: { channels: 8 }, clsHead: { hidden: 8, poolSize: 3 } }],
  ['darknet-tiny s8 tf padding baseline', { numClasses: 4, variant: 'baseline', backbone: { type: 'darknet-tiny', width: 0.25, outputStride: 8, padding: 'tf' }, denseHead: { channels: 8 } }],
  ['mobilenet-edgetpu s16 aspp-lite joint', { numClasses: 5, backbone: { type: 'mobilenet-edgetpu', outputStride: 16 }, denseHead: { type: 'aspp-lite', channels: 8 }, clsHead: { hidden: 8, poolSize: 3 } }],
];

test('ONNX Runtime on the exported network equals tfjs within 1e-4 relative L2 (every backbone, both heads and variants, odd sizes, resized unaries)', async () => {
  await tf.setBackend('cpu');
  const rng = new Rng(7);
  for (const [name, config] of CASES) {
    const model = buildSegmentor(config, 3);
    // Non-trivial running statistics, so the exported BatchNorm is really checked.
    for (const [, m] of model.namedModules()) {
      if (m instanceof BatchNorm2d) {
        m.runningMean.assign(tf.tensor1d(randomArray(rng, m.channels, -0.5, 0.5)));
        m.runningVar.assign(tf.tensor1d(randomArray(rng, m.channels, 0.5, 2)));
      }
    }
    const bytes = exportOnnx(model, { version: 'test' });
    const network = await OnnxNetwork.open(requireOnnxRuntime(), bytes, name, 1, model.config.numClasses);
    try {
      for (const [n, H, W, outH, outW] of [[2, 37, 45, 37, 45], [1, 50, 33, 25, 17], [1, 24, 32, 24, 32]]) {
        const images = randomArray(rng, n * H * W * 3, 0, 255);
        const want: { unary: ArrayLike<number>; global: ArrayLike<number> | null } = { unary: [], global: null };
        tf.tidy(() => {
          const out = model.forward(tf.tensor4d(images, [n, H, W, 3]), { training: false });
          want.unary = model.unary(out, outH, outW).dataSync();
          want.global = out.global ? out.global.dataSync() : null;
        });
        const got = await network.run(images, n, H, W, outH, outW);
        const err = relL2(got.unary, want.unary);
        assert.ok(err < 1e-4, `${name} ${n}x${H}x${W} → ${outH}x${outW}: unary relative L2 ${err}`);
        assert.equal(got.global === null, want.global === null, `${name}: global output present iff joint`);
        if (got.global && want.global) assert.ok(relL2(got.global, want.global) < 1e-4, `${name}: global relative L2 ${relL2(got.global, want.global)}`);
      }
    } finally {
      await network.release();
      model.dispose();
    }
  }
});

test('ONNX Runtime refuses a file that is not ONNX and an ONNX model of another network, naming them', async () => {
  await assert.rejects(OnnxNetwork.open(requireOnnxRuntime(), new TextEncoder().encode('not a model'), 'x.onnx', 1, 3), /x\.onnx: ONNX Runtime cannot load it/);
  // A valid ONNX model whose inputs are not guideseg's.
  const { OnnxGraph } = await import('../../src/onnx/graph');
  const { encodeModel } = await import('../../src/onnx/proto');
  const g = new OnnxGraph();
  const x = g.input('x', [1, 3]);
  g.output(g.op('Relu', [x]), 'y', [1, 3]);
  await assert.rejects(OnnxNetwork.open(requireOnnxRuntime(), encodeModel(g.toModel('other', {}, 'test')), 'other.onnx', 1, 3), /other\.onnx: not a guideseg network \(inputs: x/);
});
