/**
 * wasm comparison kernels (`Equal`, `Greater`, ...) for broadcast operands:
 * the stock kernels take a generic per-element index path there (~20× slower
 * than equal shapes; it dominates the gradient of `tf.max`), so both operands
 * are first expanded to the output shape, then compared natively.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asBackendKernel } from './kernel_bridge';

export const COMPARISON_KERNELS = ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual'] as const;

type Comparison = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
const OPS: Record<(typeof COMPARISON_KERNELS)[number], Comparison> = {
  Equal: tf.equal,
  NotEqual: tf.notEqual,
  Greater: tf.greater,
  GreaterEqual: tf.greaterEqual,
  Less: tf.less,
  LessEqual: tf.lessEqual,
};

/** Kernel config for one comparison that routes broadcasting calls through `Tile`. */
export function comparisonKernel(kernelName: (typeof COMPARISON_KERNELS)[number]) {
  return (backendName: string, stock?: tf.KernelConfig): tf.KernelConfig => {
    if (stock === undefined) throw new Error(`${kernelName} (${backendName}): stock kernel missing`);
    const expand = asBackendKernel(kernelName, (inputs) => {
      const { a, b } = inputs;
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      // A broadcasting float add runs natively fast; Tile (the other way to expand) does not.
      const full = (t: tf.Tensor): tf.Tensor => {
        if (tf.util.arraysEqual(t.shape, shape)) return t;
        return t.dtype === 'float32' ? tf.add(t, tf.zeros(shape)) : tf.broadcastTo(t, shape);
      };
      return OPS[kernelName](full(a), full(b));
    })(backendName);
    const kernelFunc = (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] => {
      const a = args.inputs.a as tf.TensorInfo;
      const b = args.inputs.b as tf.TensorInfo;
      // Equal shapes and scalar operands are fast natively.
      const sizeA = tf.util.sizeFromShape(a.shape);
      const sizeB = tf.util.sizeFromShape(b.shape);
      if (tf.util.arraysEqual(a.shape, b.shape) || sizeA === 1 || sizeB === 1) return stock.kernelFunc(args);
      return expand.kernelFunc(args);
    };
    return { kernelName, backendName, kernelFunc, setupFunc: stock.setupFunc };
  };
}
