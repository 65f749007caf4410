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
import { TFLITE_ACTIVATION, TfliteModel, TfliteOperator, tensorValues } from './tflite';

/** One convolution the file must contain, in order. */
interface ExpectedConv {
  target: 'backbone' | 'classifier';
  name: string;
  depthwise: boolean;
  kernel: number;
  inChannels: number;
  outChannels: number;
  stride: number;
  activation: number;
}

/** The convolutions of the published MobileNetV2 (width 1, output stride 32), in execution order. */
function expectedConvs(classes: number): ExpectedConv[] {
  const plan = mobileNetV2Plan({ width: 1, outputStride: 32 });
  const relu6 = TFLITE_ACTIVATION.relu6;
  const none = TFLITE_ACTIVATION.none;
  const out: ExpectedConv[] = [
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

/** Weight (HWIO, or [k, k, C, 1] for depthwise) and bias of one conv operator. */
function convWeights(model: TfliteModel, op: TfliteOperator, want: ExpectedConv): { weight: Float32Array; bias: Float32Array; shape: number[]; source: string } {
  const filter = model.tensors[op.inputs[1]];
  const bias = model.tensors[op.inputs[2]];
  const where = `${model.source}: tensor "${filter.name}" (for ${want.name})`;
  const fail = (what: string) => new Error(`${where}: ${what}; this is not a MobileNetV2 classifier file`);
  if (!bias) throw fail('the convolution has no bias');
  const [a, kh, kw, d] = filter.shape;
  if (filter.shape.length !== 4 || kh !== want.kernel || kw !== want.kernel) throw fail(`shape [${filter.shape.join(', ')}], expected a ${want.kernel}x${want.kernel} kernel`);
  const [outC, inC] = want.depthwise ? [d, a === 1 ? d : -1] : [a, d];
  if (outC !== want.outChannels || inC !== want.inChannels) {
    throw fail(`shape [${filter.shape.join(', ')}], expected ${want.inChannels} → ${want.outChannels} channels`);
  }
  if ((op.options.strideH ?? 1) !== want.stride || (op.options.strideW ?? 1) !== want.stride) throw fail(`stride ${op.options.strideH}, expected ${want.stride}`);
  if (op.options.activation !== want.activation) throw fail(`fused activation ${op.options.activation}, expected ${want.activation}`);
  if (bias.shape.length !== 1 || bias.shape[0] !== outC) throw fail(`bias shape [${bias.shape.join(', ')}]`);
  const raw = tensorValues(model, filter);
  const biasValues = tensorValues(model, bias);
  if (want.depthwise) return { weight: raw, bias: biasValues, shape: [kh, kw, outC, 1], source: filter.name };
  // OHWI → HWIO.
  const weight = new Float32Array(raw.length);
  for (let o = 0; o < outC; o++)
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < inC; i++) weight[((y * kw + x) * inC + i) * outC + o] = raw[((o * kh + y) * kw + x) * inC + i];
  return { weight, bias: biasValues, shape: [kh, kw, inC, outC], source: filter.name };
}

/** Reads the MobileNetV2 weights, the classifier top and the input normalization from a parsed TFLite file. */
export function importMobileNetV2(model: TfliteModel): ImportedNetwork {
  const convs = model.operators.filter((o) => o.op === 'CONV_2D' || o.op === 'DEPTHWISE_CONV_2D');
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
    const w = convWeights(model, op, want);
    const into = want.target === 'backbone' ? backbone : classifier;
    into.set(`${want.name}.weight`, { shape: w.shape, values: w.weight, source: w.source });
    into.set(`${want.name}.bias`, { shape: [want.outChannels], values: w.bias, source: `${w.source} (bias)` });
  });
  return { file: model.source, backbone, classifier, classifierOutputs: classes, normalization: inputNormalization(model) };
}

/**
 * The float normalization a quantized input stands for: a uint8 image q
 * means scale·(q − zeroPoint), i.e. mean = zeroPoint, std = 1/scale; a float
 * input takes MobileNet's usual (x − 127.5) / 127.5.
 */
function inputNormalization(model: TfliteModel): ImportedNetwork['normalization'] {
  const input = model.tensors[model.inputs[0]];
  const q = input?.quantization;
  if (!q || input.type === 'float32') return { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] };
  // An int8 input is the uint8 image shifted by 128.
  const mean = q.zeroPoint[0] + (input.type === 'int8' ? 128 : 0);
  const std = 1 / q.scale[0];
  return { mean: [mean, mean, mean], std: [std, std, std] };
}
