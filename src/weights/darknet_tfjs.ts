/**
 * Tiny Darknet from its tfjs layers model: the 16 Conv2D layers in order,
 * each with the BatchNormalization after it folded in (w' = w·γ/√(σ²+ε),
 * b' = β − μ·γ/√(σ²+ε)), mapped onto the backbone's `conv1..conv15` and the
 * classifier's `logits` (conv16, with its own bias). Layer kinds, kernel
 * sizes, channels and the LeakyReLU slope are checked against the published
 * architecture, so another network's file is refused, naming the layer.
 */
import { darknetTinyPlan } from '../model/backbones/darknet_tiny';
import { ImportedNetwork, NamedWeights } from './named_weights';
import { KerasLayer, LayersModel } from './tfjs_layers';

function weightOf(model: LayersModel, layer: KerasLayer, name: string): { shape: number[]; values: Float32Array } {
  const w = model.weights.get(`${layer.name}/${name}`);
  if (!w) throw new Error(`${model.source}: layer "${layer.name}" has no weight "${name}"`);
  return w;
}

/** Reads Tiny Darknet's weights (BatchNorm folded) from a parsed layers model. */
export function importDarknetTiny(model: LayersModel): ImportedNetwork {
  const plan = darknetTinyPlan({ width: 1, outputStride: 16 }).filter((s) => s.kind === 'conv');
  const convs = model.layers.map((l, i) => [l, i] as const).filter(([l]) => l.className === 'Conv2D');
  if (convs.length !== plan.length + 1) {
    throw new Error(`${model.source}: ${convs.length} Conv2D layers, Tiny Darknet has ${plan.length + 1}; this is not a Tiny Darknet model`);
  }
  const backbone: NamedWeights = new Map();
  const classifier: NamedWeights = new Map();
  convs.forEach(([layer, index], i) => {
    const kernel = weightOf(model, layer, 'kernel');
    const [kh, kw, inC, outC] = kernel.shape;
    const want = plan[i];
    const expected = want && want.kind === 'conv' ? want : null;
    if (expected && (kh !== expected.kernel || kw !== expected.kernel || inC !== expected.inChannels || outC !== expected.outChannels)) {
      throw new Error(
        `${model.source}: layer "${layer.name}" kernel [${kernel.shape.join(', ')}], Tiny Darknet's ${expected.name} is ` +
          `[${expected.kernel}, ${expected.kernel}, ${expected.inChannels}, ${expected.outChannels}]`,
      );
    }
    if (!expected) {
      // conv16: the classifier's logits, with a bias and no BatchNorm.
      classifier.set('logits.weight', { shape: kernel.shape, values: kernel.values, source: `${layer.name}/kernel` });
      classifier.set('logits.bias', { shape: [outC], values: weightOf(model, layer, 'bias').values, source: `${layer.name}/bias` });
      return;
    }
    const bnLayer = model.layers[index + 1];
    const act = model.layers[index + 2];
    if (bnLayer?.className !== 'BatchNormalization' || act?.className !== 'LeakyReLU' || Math.abs(Number(act.config.alpha) - 0.1) > 1e-6) {
      throw new Error(`${model.source}: layer "${layer.name}" is not followed by BatchNormalization and LeakyReLU(0.1)`);
    }
    const eps = Number(bnLayer.config.epsilon ?? 1e-3);
    const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((n) => weightOf(model, bnLayer, n).values);
    const weight = new Float32Array(kernel.values.length);
    const bias = new Float32Array(outC);
    for (let o = 0; o < outC; o++) {
      const scale = gamma[o] / Math.sqrt(variance[o] + eps);
      bias[o] = beta[o] - mean[o] * scale;
      for (let j = o; j < weight.length; j += outC) weight[j] = kernel.values[j] * scale;
    }
    backbone.set(`${expected.name}.weight`, { shape: kernel.shape, values: weight, source: `${layer.name}/kernel` });
    backbone.set(`${expected.name}.bias`, { shape: [outC], values: bias, source: `${bnLayer.name} (folded)` });
  });
  const classes = classifier.get('logits.bias')?.shape[0] ?? 0;
  // The published preprocessing scales the image to [0, 1].
  return { file: model.source, backbone, classifier, classifierOutputs: classes, normalization: { mean: [0, 0, 0], std: [255, 255, 255] } };
}
