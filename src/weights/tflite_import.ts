/**
 * What the TFLite importers share: a convolution operator checked against
 * what an importer expects (kind, kernel, channels, stride, dilation, fused
 * activation) and returned in guideseg's layout (HWIO, or [k, k, C, 1] for
 * a depthwise conv), a mismatch naming the file, the tensor and the network;
 * and the input normalization a quantized input stands for.
 */
import type { ImportedNetwork, ImportedTensor } from './named_weights';
import { TfliteModel, TfliteOperator, tensorValues } from './tflite';

/** One convolution a file must contain, in execution order. */
export interface ExpectedConv {
  /** guideseg variable prefix, e.g. `block3.expand`. */
  name: string;
  depthwise: boolean;
  kernel: number;
  inChannels: number;
  outChannels: number;
  stride: number;
  /** Dilation (default 1). */
  dilation?: number;
  /** TFLite fused activation (`TFLITE_ACTIVATION`). */
  activation: number;
}

/**
 * The `name.weight` and `name.bias` tensors of `op`, checked against `want`.
 * @param network what the file should hold, for the error (e.g. `a MobileNetV2 classifier`)
 */
export function convTensors(
  model: TfliteModel,
  op: TfliteOperator,
  want: ExpectedConv,
  network: string,
): { weight: ImportedTensor; bias: ImportedTensor } {
  const filter = model.tensors[op.inputs[1]];
  const bias = model.tensors[op.inputs[2]];
  const where = `${model.source}: tensor "${filter?.name}" (for ${want.name})`;
  const fail = (what: string) => new Error(`${where}: ${what}; this is not ${network} file`);
  if ((op.op === 'DEPTHWISE_CONV_2D') !== want.depthwise) throw fail(`${op.op}, expected ${want.depthwise ? 'a depthwise' : 'a plain'} convolution`);
  if (!filter) throw fail('the convolution has no filter');
  if (!bias) throw fail('the convolution has no bias');
  const [a, kh, kw, d] = filter.shape;
  if (filter.shape.length !== 4 || kh !== want.kernel || kw !== want.kernel) throw fail(`shape [${filter.shape.join(', ')}], expected a ${want.kernel}x${want.kernel} kernel`);
  const [outC, inC] = want.depthwise ? [d, a === 1 ? d : -1] : [a, d];
  if (outC !== want.outChannels || inC !== want.inChannels) {
    throw fail(`shape [${filter.shape.join(', ')}], expected ${want.inChannels} → ${want.outChannels} channels`);
  }
  if ((op.options.strideH ?? 1) !== want.stride || (op.options.strideW ?? 1) !== want.stride) throw fail(`stride ${op.options.strideH}, expected ${want.stride}`);
  const dilation = want.dilation ?? 1;
  if ((op.options.dilationH ?? 1) !== dilation || (op.options.dilationW ?? 1) !== dilation) throw fail(`dilation ${op.options.dilationH}, expected ${dilation}`);
  if (op.options.activation !== want.activation) throw fail(`fused activation ${op.options.activation}, expected ${want.activation}`);
  if (bias.shape.length !== 1 || bias.shape[0] !== outC) throw fail(`bias shape [${bias.shape.join(', ')}]`);
  const raw = tensorValues(model, filter);
  const biasTensor: ImportedTensor = { shape: [outC], values: tensorValues(model, bias), source: `${filter.name} (bias)` };
  if (want.depthwise) return { weight: { shape: [kh, kw, outC, 1], values: raw, source: filter.name }, bias: biasTensor };
  // OHWI → HWIO.
  const weight = new Float32Array(raw.length);
  for (let o = 0; o < outC; o++)
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < inC; i++) weight[((y * kw + x) * inC + i) * outC + o] = raw[((o * kh + y) * kw + x) * inC + i];
  return { weight: { shape: [kh, kw, inC, outC], values: weight, source: filter.name }, bias: biasTensor };
}

/** The convolution operators of `model`, in execution order. */
export function convOperators(model: TfliteModel): TfliteOperator[] {
  return model.operators.filter((o) => o.op === 'CONV_2D' || o.op === 'DEPTHWISE_CONV_2D');
}

/**
 * The float normalization a quantized input stands for: a uint8 image q
 * means scale·(q − zeroPoint), i.e. mean = zeroPoint, std = 1/scale; a float
 * input takes MobileNet's usual (x − 127.5) / 127.5.
 */
export function inputNormalization(model: TfliteModel): ImportedNetwork['normalization'] {
  const input = model.tensors[model.inputs[0]];
  const q = input?.quantization;
  if (!q || input.type === 'float32') return { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] };
  // An int8 input is the uint8 image shifted by 128.
  const mean = q.zeroPoint[0] + (input.type === 'int8' ? 128 : 0);
  const std = 1 / q.scale[0];
  return { mean: [mean, mean, mean], std: [std, std, std] };
}
