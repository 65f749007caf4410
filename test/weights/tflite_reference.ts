/**
 * A float reference for TFLite graphs, independent of guideseg's layers:
 * runs the file's own operator list op by op on tfjs ops with the
 * dequantized weights in the file's layout (OHWI filters transposed here),
 * so an importer's mapping onto guideseg modules can be checked against
 * what the file itself says. Covers the operators of the published DeepLab
 * files.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TfliteModel, tensorValues } from '../../src/weights/tflite';

/** The graph's output tensor before `ARG_MAX` (the per-pixel scores), for a float image in 0..255. */
export function runTfliteReference(model: TfliteModel, image: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const values = new Map<number, tf.Tensor>();
    const input = model.tensors[model.inputs[0]];
    const q = input.quantization;
    values.set(model.inputs[0], q ? tf.mul(tf.sub(image, q.zeroPoint[0]), q.scale[0]) : image);
    const constant = (i: number) => tf.tensor(tensorValues(model, model.tensors[i]), model.tensors[i].shape);
    const activate = (x: tf.Tensor, a: number | undefined) => (a === 1 ? tf.relu(x) : a === 3 ? tf.relu6(x) : x);
    let scores: tf.Tensor | null = null;
    for (const op of model.operators) {
      const args = op.inputs.map((i) => values.get(i) as tf.Tensor4D);
      const o = op.options;
      let y: tf.Tensor;
      switch (op.op) {
        case 'CONV_2D':
        case 'DEPTHWISE_CONV_2D': {
          const w = tf.transpose(constant(op.inputs[1]), [1, 2, 3, 0]) as tf.Tensor4D;
          const pad = o.padding === 0 ? 'same' : 'valid';
          const conv =
            op.op === 'CONV_2D'
              ? tf.conv2d(args[0], w, [o.strideH, o.strideW], pad, 'NHWC', [o.dilationH, o.dilationW])
              : tf.depthwiseConv2d(args[0], w, [o.strideH, o.strideW], pad, 'NHWC', [o.dilationH, o.dilationW]);
          y = activate(tf.add(conv, constant(op.inputs[2])), o.activation);
          break;
        }
        case 'ADD':
          y = activate(tf.add(args[0], args[1]), o.activation);
          break;
        case 'AVERAGE_POOL_2D':
          if (args[0].shape[1] !== o.filterH || args[0].shape[2] !== o.filterW) throw new Error('reference: only global average pools');
          y = tf.mean(args[0], [1, 2], true);
          break;
        case 'op#69': // TILE
          y = tf.tile(args[0], Array.from(tensorValues(model, model.tensors[op.inputs[1]])));
          break;
        case 'QUANTIZE':
        case 'DEQUANTIZE':
          y = args[0];
          break;
        case 'CONCATENATION':
          y = tf.concat(args, o.axis);
          break;
        case 'RESIZE_BILINEAR': {
          const [h, w] = Array.from(tensorValues(model, model.tensors[op.inputs[1]]));
          y = tf.image.resizeBilinear(args[0], [h, w], o.alignCorners === 1);
          break;
        }
        case 'ARG_MAX':
          scores = args[0];
          y = tf.argMax(args[0], 3);
          break;
        default:
          throw new Error(`reference: operator ${op.op} is not covered`);
      }
      values.set(op.outputs[0], y);
    }
    if (!scores) throw new Error('reference: the graph has no ARG_MAX');
    return scores as tf.Tensor4D;
  });
}
