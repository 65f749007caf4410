/**
 * DeepLab with the MobileNet-EdgeTPU backbone from its TFLite file (the
 * uint8 Cityscapes model): the 81 convolutions, in execution order, mapped
 * onto the backbone's `stem`, `block{i}.expand|depthwise|project`, `conv1`
 * and the `aspp-lite` head's `aspp0`, `imagePooling`, `projection`,
 * `logits`. Each is checked for kind, kernel, channels, stride, dilation and
 * fused activation, and the residual sums are counted, so a file of another
 * network is refused, naming the tensor.
 */
import { mobileNetEdgeTpuPlan } from '../model/backbones/mobilenet_edgetpu';
import { ImportedNetwork, NamedWeights } from './named_weights';
import { TFLITE_ACTIVATION, TfliteModel } from './tflite';
import { convOperators, convTensors, ExpectedConv, inputNormalization } from './tflite_import';

/** What the file should hold, for errors. */
const NETWORK = 'a DeepLab MobileNet-EdgeTPU';

type TargetedConv = ExpectedConv & { target: 'backbone' | 'head' };

/** The convolutions of the published network (output stride 16), in execution order. */
function expectedConvs(headChannels: number, classes: number): TargetedConv[] {
  const plan = mobileNetEdgeTpuPlan(16);
  const relu = TFLITE_ACTIVATION.relu;
  const none = TFLITE_ACTIVATION.none;
  const conv = (target: TargetedConv['target'], name: string, kernel: number, inChannels: number, outChannels: number, extra: Partial<TargetedConv> = {}): TargetedConv => ({
    target, name, depthwise: false, kernel, inChannels, outChannels, stride: 1, activation: relu, ...extra,
  });
  const out: TargetedConv[] = [conv('backbone', 'stem', 3, 3, plan.stemChannels, { stride: 2 })];
  plan.blocks.forEach((b, i) => {
    const { kernel, inChannels: cin, hiddenChannels: hidden, stride, dilation } = b;
    if (b.kind === 'fused') out.push(conv('backbone', `block${i}.expand`, kernel, cin, hidden, { stride, dilation }));
    if (b.kind === 'inverted') {
      out.push(conv('backbone', `block${i}.expand`, 1, cin, hidden));
      out.push(conv('backbone', `block${i}.depthwise`, kernel, hidden, hidden, { depthwise: true, stride, dilation }));
    }
    out.push(conv('backbone', `block${i}.project`, 1, hidden, b.outChannels, { activation: none }));
  });
  const last = plan.blocks[plan.blocks.length - 1].outChannels;
  out.push(conv('backbone', 'conv1', 1, last, plan.finalChannels));
  out.push(conv('head', 'aspp0', 1, plan.finalChannels, headChannels));
  out.push(conv('head', 'imagePooling', 1, plan.finalChannels, headChannels));
  out.push(conv('head', 'projection', 1, 2 * headChannels, headChannels));
  out.push(conv('head', 'logits', 1, headChannels, classes, { activation: none }));
  return out;
}

/** Reads the backbone, the `aspp-lite` head and the input normalization from a parsed TFLite file. */
export function importDeepLabEdgeTpu(model: TfliteModel): ImportedNetwork {
  const convs = convOperators(model);
  const filterOf = (i: number) => model.tensors[convs[i]?.inputs[1]];
  // The head's width and the class count are read from the file; everything else is fixed.
  const headChannels = filterOf(convs.length - 1)?.shape[3] ?? 0;
  const classes = filterOf(convs.length - 1)?.shape[0] ?? 0;
  const expected = expectedConvs(headChannels, classes);
  if (convs.length !== expected.length) {
    throw new Error(`${model.source}: ${convs.length} convolutions, ${NETWORK} has ${expected.length}; this is not ${NETWORK} file`);
  }
  const residuals = mobileNetEdgeTpuPlan(16).blocks.filter((b) => b.residual).length;
  const adds = model.operators.filter((o) => o.op === 'ADD').length;
  if (adds !== residuals) throw new Error(`${model.source}: ${adds} residual sums, ${NETWORK} has ${residuals}`);
  const backbone: NamedWeights = new Map();
  const head: NamedWeights = new Map();
  convs.forEach((op, i) => {
    const want = expected[i];
    const { weight, bias } = convTensors(model, op, want, NETWORK);
    const into = want.target === 'backbone' ? backbone : head;
    into.set(`${want.name}.weight`, weight);
    into.set(`${want.name}.bias`, bias);
  });
  return {
    file: model.source,
    backbone,
    classifier: new Map(),
    classifierOutputs: classes,
    denseHead: { type: 'aspp-lite', channels: headChannels, weights: head },
    normalization: inputNormalization(model),
  };
}
