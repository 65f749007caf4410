/**
 * SGD with momentum and L2 weight decay, in PyTorch's formulation:
 *   g ← ∇ + wd·w;  v ← m·v + g;  w ← w − lr·k·v,
 * k being the variable's learning-rate multiplier (1 by default).
 * The momentum buffers are its whole state, saved with checkpoints.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lrMultiplier, type LrMultipliers } from './lr_mult';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
  /** Learning-rate multipliers by module path (`train.lrMult`). */
  lrMult?: LrMultipliers;
}

export class MomentumSgd {
  private readonly velocity = new Map<string, tf.Variable>();

  constructor(private readonly options: SgdOptions) {}

  /** Applies one update to `variables` (name → variable) with gradients by the same names. */
  step(variables: ReadonlyArray<[string, tf.Variable]>, grads: Record<string, tf.Tensor>, lr: number): void {
    const { momentum, weightDecay } = this.options;
    for (const [name, variable] of variables) {
      const grad = grads[name];
      if (!grad) throw new Error(`no gradient for variable "${name}"`);
      tf.tidy(() => {
        const g = weightDecay > 0 ? tf.add(grad, tf.mul(variable, weightDecay)) : grad;
        let v = this.velocity.get(name);
        if (!v) {
          v = tf.variable(tf.zerosLike(variable), false);
          this.velocity.set(name, v);
        }
        const newV = momentum > 0 ? tf.add(tf.mul(v, momentum), g) : g;
        v.assign(newV);
        variable.assign(tf.sub(variable, tf.mul(newV, lr * lrMultiplier(name, this.options.lrMult))));
      });
    }
  }

  /** Momentum buffers by variable name (for checkpoints). */
  getState(): Map<string, tf.Tensor> {
    return new Map(this.velocity);
  }

  /** Restores momentum buffers saved by `getState`; the caller may dispose `state` afterwards. */
  setState(state: Map<string, tf.Tensor>): void {
    this.disposeState();
    // A variable shares (and ref-counts) the tensor's data, so no copy is needed.
    for (const [name, tensor] of state) this.velocity.set(name, tf.variable(tensor, false));
  }

  dispose(): void {
    this.disposeState();
  }

  private disposeState(): void {
    for (const v of this.velocity.values()) v.dispose();
    this.velocity.clear();
  }
}
