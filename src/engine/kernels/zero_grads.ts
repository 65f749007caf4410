/**
 * Zero gradients for comparison and logical kernels, which tfjs leaves
 * without one: their outputs are piecewise constant, so the gradient is zero
 * almost everywhere. Without these, `tf.where(tf.greater(x, 0), x, y)` cannot
 * be differentiated with respect to x.
 */
import * as tf from '@tensorflow/tfjs-core';

const BINARY = ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr', 'LogicalXor'];

/** Gradient configs for the comparison/logical kernels that have none registered. */
export function zeroGradConfigs(): tf.GradConfig[] {
  const configs: tf.GradConfig[] = BINARY.map((kernelName) => ({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [a, b] = saved;
      return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
    },
  }));
  configs.push({
    kernelName: 'LogicalNot',
    inputsToSave: ['x'],
    gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({ x: () => tf.zerosLike(saved[0]) }),
  });
  return configs.filter((c) => tf.getGradient(c.kernelName) === undefined);
}
