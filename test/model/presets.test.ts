import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import { setBatchStatistics } from '../../src/model/layers/batchnorm';
import { groupedBatchStatistics } from '../../src/model/layers/batch_statistics';
import { modelPreset, presetNames } from '../../src/model/presets';

test('bench-vgg has exactly 4,764,646 trainable parameters (0.92 M + 0.36 M + 3.48 M)', async () => {
  await initBackend('cpu');
  const model = buildSegmentor(modelPreset('bench-vgg'));
  assert.equal(model.backbone.parameterCount(), 920_784);
  assert.equal(model.denseHead.parameterCount(), 363_787);
  assert.equal(model.clsHead!.parameterCount(), 3_480_075);
  assert.equal(model.parameterCount(), 4_764_646);
  assert.equal(model.backbone.outChannels, 128);
  model.dispose();
});

test('bench-resnet: ResNet-18 x0.5, BatchNorm statistics are non-trainable variables', async () => {
  await initBackend('cpu');
  const model = buildSegmentor(modelPreset('bench-resnet'));
  assert.equal(model.backbone.outChannels, 256);
  assert.equal(model.outputStride, 16);
  const all = model.namedVariables().map(([n]) => n);
  const trainable = new Set(model.namedTrainableVariables().map(([n]) => n));
  const running = all.filter((n) => /running(Mean|Var)$/.test(n));
  // 20 convs in ResNet-18 (stem, 16 in blocks, 3 projections), each with a BatchNorm.
  assert.equal(running.length, 2 * 20);
  assert.equal(setBatchStatistics(model, groupedBatchStatistics(1)), 20);
  for (const n of running) assert.ok(!trainable.has(n));
  assert.ok(all.includes('backbone.layer4.0.conv2.bn.gamma'));
  assert.ok(all.includes('backbone.layer2.0.downsample.conv.weight'));
  // Stage 4 keeps stride 1 (dilated) but widens, so it still has a projection; stage 1 has none.
  assert.ok(all.includes('backbone.layer4.0.downsample.conv.weight'));
  assert.ok(!all.includes('backbone.layer1.0.downsample.conv.weight'));
  model.dispose();
});

test('presets: paper widths, overrides merge, unknown names fail', () => {
  assert.deepEqual(presetNames().sort(), ['bench-resnet', 'bench-vgg', 'deeplab-resnet101', 'deeplab-vgg16', 'edgetpu-aspp', 'mobilenetv2-largefov']);
  assert.deepEqual(modelPreset('mobilenetv2-largefov').backbone, { type: 'mobilenetv2', width: 1, outputStride: 16, padding: 'symmetric' });
  const vgg = modelPreset('deeplab-vgg16');
  assert.equal(vgg.numClasses, 21);
  assert.equal(vgg.denseHead.channels, 1024);
  assert.equal(vgg.clsHead.hidden, 4096);
  const res = modelPreset('deeplab-resnet101');
  assert.deepEqual(res.backbone, { type: 'resnet', depth: 101, width: 1, outputStride: 16 });

  const o = modelPreset('bench-vgg', { numClasses: 21, backbone: { width: 0.5 }, variant: 'baseline' });
  assert.deepEqual(o.backbone, { type: 'vgg16', width: 0.5, outputStride: 8 });
  assert.equal(o.numClasses, 21);
  assert.equal(o.denseHead.channels, 256);
  const swapped = modelPreset('bench-vgg', { backbone: { type: 'resnet', depth: 50 } });
  assert.deepEqual(swapped.backbone, { type: 'resnet', depth: 50, width: 1, outputStride: 16 });

  assert.throws(() => modelPreset('nope'), /unknown model preset "nope"/);
  assert.throws(() => modelPreset('bench-vgg', { numClasses: 0 }), /numClasses/);
  assert.throws(() => buildSegmentor({ ...vgg, denseHead: { ...vgg.denseHead, type: 'aspp' } }), /unknown dense head "aspp"/);
});
