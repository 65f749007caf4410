/**
 * wasm `BatchMatMul` for transposed operands. The stock kernel only sends
 * untransposed single matrices to XNNPACK; a transposed operand falls to a
 * scalar loop (~10× slower), which is what every fully-connected layer's
 * backward pass asks for. Here the operands are transposed explicitly and the
 * product taken in whichever orientation packs the smaller matrix:
 * C = A·B packs B (K×N), Cᵀ = Bᵀ·Aᵀ packs Aᵀ (K×M).
 */
import * as tf from '@tensorflow/tfjs-core';
import { asBackendKernel } from './kernel_bridge';

/** Relative cost of packing an element (vs transposing one), measured on wasm. */
const PACK_COST = 4;
/** Below this many multiply-adds the extra ops cost more than they save. */
const MIN_MACS = 32 * 1024;

function as2d(t: tf.Tensor): tf.Tensor2D {
  return tf.reshape(t, [t.shape[t.rank - 2], t.shape[t.rank - 1]]);
}

const reoriented = asBackendKernel('BatchMatMul', (inputs, attrs) => {
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const a = as2d(inputs.a);
  const b = as2d(inputs.b);
  const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const n = transposeB ? b.shape[0] : b.shape[1];
  const costPackB = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + PACK_COST * k * n;
  const costPackA = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + m * n + PACK_COST * k * m;
  let out: tf.Tensor;
  if (costPackB <= costPackA) {
    out = tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
  } else {
    out = tf.transpose(tf.matMul(transposeB ? b : tf.transpose(b), transposeA ? a : tf.transpose(a)));
  }
  const outShape = [...inputs.a.shape.slice(0, -2), m, n];
  return tf.reshape(out, outShape);
});

/** Kernel config replacing the stock wasm `BatchMatMul` for transposed 2-D products. */
export function batchMatMulKernel(backendName: string, stock?: tf.KernelConfig): tf.KernelConfig {
  if (stock === undefined) throw new Error(`BatchMatMul (${backendName}): stock kernel missing`);
  const fast = reoriented(backendName);
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] => {
    const a = args.inputs.a as tf.TensorInfo;
    const b = args.inputs.b as tf.TensorInfo;
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const single = (s: number[]): boolean => s.slice(0, -2).every((v) => v === 1);
    const macs = tf.util.sizeFromShape(a.shape) * (transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1]);
    if ((!transposeA && !transposeB) || !single(a.shape) || !single(b.shape) || macs < MIN_MACS || a.dtype !== 'float32') {
      return stock.kernelFunc(args);
    }
    return fast.kernelFunc(args);
  };
  return { kernelName: 'BatchMatMul', backendName, kernelFunc, setupFunc: stock.setupFunc };
}
