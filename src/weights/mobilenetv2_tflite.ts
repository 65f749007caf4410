/**
 * MobileNetV2 from a TFLite classifier file (the uint8 quantization-aware
 * model and the int8 post-training-quantized Keras one both work): the 52
 * convolutions, in execution order, mapped onto the backbone's `stem`,
 * `block{i}.expand|depthwise|project` and the classifier's `conv1` and
 * `logits`. Each is checked for kind, kernel size, channels, stride and fused
 * activation, so a file of another network is refused, naming the tensor.
 */
import { mobileNetV2Plan } from '../model/backbones/mobilenetv2';
import { ImportedNetwork, NamedWeights } from './named_weights';
import { TFLITE_ACTIVATION, TfliteModel } from './tflite';
import { convOperators, convTensors, ExpectedConv, inputNormalization } from './tflite_import';

/** A convolution of the file and whether it belongs to the backbone or the classifier top. */
type TargetedConv = ExpectedConv & { target: 'backbone' | 'classifier' };

/** The convolutions of the published MobileNetV2 (width 1, output stride 32), in execution order. */
function expectedConvs(classes: number): TargetedConv[] {
  const plan = mobileNetV2Plan({ width: 1, outputStride: 32 });
  const relu6 = TFLITE_ACTIVATION.relu6;
  const none = TFLITE_ACTIVATION.none;
  const out: TargetedConv[] = [
    { target: 'backbone', name: 'stem', depthwise: false, kernel: 3, inChannels: 3, outChannels: plan.stemChannels, stride: 2, activation: relu6 },
  ];
  plan.blocks.forEach((b, i) => {
    if (b.expand) {
      out.push({ target: 'backbone', name: `block${i}.expand`, depthwise: false, kernel: 1, inChannels: b.inChannels, outChannels: b.hiddenChannels, stride: 1, activation: relu6 });
    }
    out.push({ target: 'backbone', name: `block${i}.depthwise`, depthwise: true, kernel: 3, inChannels: b.hiddenChannels, outChannels: b.hiddenChannels, stride: b.stride, activation: relu6 });
    out.push({ target: 'backbone', name: `block${i}.project`, depthwise: false, kernel: 1, inChannels: b.hiddenChannels, outChannels: b.outChannels, stride: 1, activation: none });
  });
  const last = plan.blocks[plan.blocks.length - 1].outChannels;
  out.push({ target: 'classifier', name: 'conv1', depthwise: false, kernel: 1, inChannels: last, outChannels: 1280, stride: 1, activation: relu6 });
  out.push({ target: 'classifier', name: 'logits', depthwise: false, kernel: 1, inChannels: 1280, outChannels: classes, stride: 1, activation: none });
  return out;
}

/** Reads the MobileNetV2 weights, the classifier top and the input normalization from a parsed TFLite file. */
export function importMobileNetV2(model: TfliteModel): ImportedNetwork {
  const convs = convOperators(model);
  const logitsOp = convs[convs.length - 1];
  const classes = logitsOp ? model.tensors[logitsOp.inputs[1]].shape[0] : 0;
  const expected = expectedConvs(classes);
  if (convs.length !== expected.length) {
    throw new Error(`${model.source}: ${convs.length} convolutions, a MobileNetV2 classifier has ${expected.length}`);
  }
  const backbone: NamedWeights = new Map();
  const classifier: NamedWeights = new Map();
  convs.forEach((op, i) => {
    const want = expected[i];
    if ((op.op === 'DEPTHWISE_CONV_2D') !== want.depthwise) {
      throw new Error(`${model.source}: operator ${i} is ${op.op}, MobileNetV2's ${want.name} is ${want.depthwise ? 'depthwise' : 'a plain convolution'}`);
    }
    const { weight, bias } = convTensors(model, op, want, 'a MobileNetV2 classifier');
    const into = want.target === 'backbone' ? backbone : classifier;
    into.set(`${want.name}.weight`, weight);
    into.set(`${want.name}.bias`, bias);
  });
  return { file: model.source, backbone, classifier, classifierOutputs: classes, normalization: inputNormalization(model) };
}
