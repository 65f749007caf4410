import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { BatchNorm2d } from '../../../src/model/layers/batchnorm';
import { groupedBatchStatistics } from '../../../src/model/layers/batch_statistics';
import { Rng } from '../../../src/util/rng';
import { maxAbsDiff, randomArray } from '../helpers';

/** float64 BatchNorm over groups of `group` samples: outputs, and dL/dx, dL/dgamma, dL/dbeta for L = sum(y * dy). */
function reference(x: Float32Array, [b, h, w, c]: number[], gamma: Float32Array, beta: Float32Array, dy: Float32Array, eps: number, group: number) {
  const y = new Float64Array(x.length), dx = new Float64Array(x.length);
  const dgamma = new Float64Array(c), dbeta = new Float64Array(c);
  const means: number[][] = [], vars: number[][] = [];
  const per = h * w;
  for (let g0 = 0; g0 < b; g0 += group) {
    const n = group * per;
    const gm: number[] = [], gv: number[] = [];
    for (let k = 0; k < c; k++) {
      const idx = (s: number, p: number) => ((g0 + s) * per + p) * c + k;
      let mu = 0;
      for (let s = 0; s < group; s++) for (let p = 0; p < per; p++) mu += x[idx(s, p)];
      mu /= n;
      let v = 0;
      for (let s = 0; s < group; s++) for (let p = 0; p < per; p++) v += (x[idx(s, p)] - mu) ** 2;
      v /= n;
      const inv = 1 / Math.sqrt(v + eps);
      let sdy = 0, sdyx = 0;
      for (let s = 0; s < group; s++)
        for (let p = 0; p < per; p++) {
          const xhat = (x[idx(s, p)] - mu) * inv;
          y[idx(s, p)] = gamma[k] * xhat + beta[k];
          sdy += dy[idx(s, p)];
          sdyx += dy[idx(s, p)] * xhat;
        }
      dbeta[k] += sdy;
      dgamma[k] += sdyx;
      // docs/method.md §5: dx = gamma/sqrt(var+eps) * (dy - (sum dy + xhat * sum dy*xhat) / n), per group.
      for (let s = 0; s < group; s++)
        for (let p = 0; p < per; p++) {
          const xhat = (x[idx(s, p)] - mu) * inv;
          dx[idx(s, p)] = gamma[k] * inv * (dy[idx(s, p)] - (sdy + xhat * sdyx) / n);
        }
      gm.push(mu);
      gv.push(v);
    }
    means.push(gm);
    vars.push(gv);
  }
  return { y, dx, dgamma, dbeta, means, vars };
}

for (const group of [4, 2]) {
  test(`BatchNorm2d training matches float64 reference (group ${group}): output, gradients, running stats`, async () => {
    await initBackend('cpu');
    const rng = new Rng(3 + group);
    const shape = [4, 3, 5, 6] as [number, number, number, number];
    const size = shape.reduce((a, b) => a * b);
    const xData = randomArray(rng, size, -2, 3);
    const dyData = randomArray(rng, size);
    const bn = new BatchNorm2d(6, { momentum: 0.25 });
    if (group !== 4) bn.statistics = groupedBatchStatistics(group);
    const gamma = randomArray(rng, 6, 0.5, 1.5);
    const beta = randomArray(rng, 6);
    bn.gamma.assign(tf.tensor1d(gamma));
    bn.beta.assign(tf.tensor1d(beta));
    const ref = reference(xData, shape, gamma, beta, dyData, bn.epsilon, group);

    const x = tf.tensor4d(xData, shape);
    const dy = tf.tensor4d(dyData, shape);
    const y = bn.forward(x, { training: true });
    assert.ok(maxAbsDiff(await y.data(), ref.y) < 1e-4, 'output');

    const f = () => tf.sum(tf.mul(bn.forward(x, { training: true }), dy)) as tf.Scalar;
    const { grads } = tf.variableGrads(f, [bn.gamma, bn.beta]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(bn.forward(t as tf.Tensor4D, { training: true }), dy)))(x);
    assert.ok(maxAbsDiff(await dx.data(), ref.dx) < 1e-4, 'dL/dx');
    assert.ok(maxAbsDiff(await grads[bn.gamma.name].data(), ref.dgamma) < 1e-3, 'dL/dgamma');
    assert.ok(maxAbsDiff(await grads[bn.beta.name].data(), ref.dbeta) < 1e-3, 'dL/dbeta');

    // Three training forwards so far: running = (1-m)^3 * init + sum of momentum-weighted batch values.
    const m = bn.momentum;
    const count = group * 3 * 5;
    const batchMean = Array.from({ length: 6 }, (_, k) => ref.means.reduce((a, g) => a + g[k], 0) / ref.means.length);
    const batchVar = Array.from({ length: 6 }, (_, k) => (ref.vars.reduce((a, g) => a + g[k], 0) / ref.vars.length) * (count / (count - 1)));
    const decay = (1 - m) ** 3;
    const expMean = batchMean.map((v) => v * (1 - decay));
    const expVar = batchVar.map((v) => decay + v * (1 - decay));
    assert.ok(maxAbsDiff(await bn.runningMean.data(), expMean) < 1e-5, 'running mean');
    assert.ok(maxAbsDiff(await bn.runningVar.data(), expVar) < 1e-5, 'running var');

    // Inference uses the running statistics.
    const yInf = bn.forward(x, { training: false });
    const rm = await bn.runningMean.data(), rv = await bn.runningVar.data();
    const expInf = Array.from(xData, (v, i) => {
      const k = i % 6;
      return (gamma[k] * (v - rm[k])) / Math.sqrt(rv[k] + bn.epsilon) + beta[k];
    });
    assert.ok(maxAbsDiff(await yInf.data(), expInf) < 1e-4, 'inference output');
    tf.dispose([x, dy, y, dx, yInf, ...Object.values(grads)]);
    bn.dispose();
  });
}

test('BatchNorm2d: ctx.batchStatistics overrides the layer statistics', async () => {
  await initBackend('cpu');
  const bn = new BatchNorm2d(2);
  let calls = 0;
  const x = tf.randomNormal([2, 3, 3, 2]) as tf.Tensor4D;
  const y = bn.forward(x, {
    training: true,
    batchStatistics: (t) => {
      calls++;
      return { mean: tf.zeros([1, 1, 1, 2]), variance: tf.ones([1, 1, 1, 2]), count: 18 } as never;
    },
  });
  assert.equal(calls, 1);
  // With mean 0 and variance 1 the output is x / sqrt(1 + eps).
  assert.ok(maxAbsDiff(await y.data(), Array.from(await x.data(), (v) => v / Math.sqrt(1 + bn.epsilon))) < 1e-6);
  assert.equal(bn.parameterCount(), 4);
  assert.equal(bn.namedVariables().length, 4);
  tf.dispose([x, y]);
  bn.dispose();
});
