import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModelConfig } from '../../src/model/model_config';

const model = { numClasses: 3, backbone: { type: 'vgg16', width: 0.25 } };

test('model sections: each component validates its own fields, errors name the field; absent heads get the defaults', () => {
  const m = parseModelConfig(model);
  assert.deepEqual(m.backbone, { type: 'vgg16', width: 0.25, outputStride: 8 });
  assert.deepEqual(m.denseHead, { type: 'largefov', channels: 1024, dropout: 0.5, pretrained: false });
  assert.deepEqual(m.clsHead, { type: 'clsnet', hidden: 4096, poolSize: 7, dropout: 0.5, outputStd: 0.01 });
  // A section without `type` gets the default head, with its own defaults.
  assert.equal(parseModelConfig({ ...model, denseHead: { channels: 8 } }).denseHead.channels, 8);
  assert.throws(() => parseModelConfig({ ...model, backbone: { type: 'vgg16', width: -1 } }), /backbone\.width:/);
  assert.throws(() => parseModelConfig({ ...model, backbone: { type: 'vgg17' } }), /backbone\.type: unknown backbone "vgg17" \(registered: vgg16, resnet, mobilenetv2, darknet-tiny, mobilenet-edgetpu\)/);
  assert.throws(() => parseModelConfig({ ...model, backbone: { width: 1 } }), /backbone\.type:/);
  // A field of one component is not accepted by another: `dilation` is LargeFOV's, not aspp-lite's.
  assert.equal(parseModelConfig({ ...model, denseHead: { type: 'largefov', dilation: 2 } }).denseHead.dilation, 2);
  assert.throws(() => parseModelConfig({ ...model, denseHead: { type: 'aspp-lite', dilation: 2 } }), /denseHead: Unrecognized key: "dilation"/);
  assert.throws(() => parseModelConfig({ ...model, clsHead: { type: 'clsnet', poolSize: 0 } }), /clsHead\.poolSize:/);
});
