import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { MomentumSgd } from '../../src/train/sgd';
import { Rng } from '../../src/util/rng';

function randomArray(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** Float64 PyTorch SGD: g = grad + wd·w; v = m·v + g; w = w − lr·v. */
function referenceStep(w: Float64Array, v: Float64Array, grad: Float32Array, lr: number, m: number, wd: number): void {
  for (let i = 0; i < w.length; i++) {
    const g = grad[i] + wd * w[i];
    v[i] = m * v[i] + g;
    w[i] -= lr * v[i];
  }
}

/** A variable owning its data (the initial tensor is freed). */
function variableFrom(values: Float32Array, shape: number[]): tf.Variable {
  const initial = tf.tensor(values, shape);
  const v = tf.variable(initial);
  initial.dispose();
  return v;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const shapes: Record<string, number[]> = { 'conv.weight': [3, 3, 2, 4], 'conv.bias': [4], 'fc.weight': [5, 3] };

test('two momentum SGD steps match a float64 hand computation (momentum, weight decay)', async () => {
  await initBackend('cpu');
  const rng = new Rng(3);
  const [momentum, weightDecay] = [0.9, 5e-4];
  const lrs = [0.1, 0.05];
  const variables: Array<[string, tf.Variable]> = Object.entries(shapes).map(([name, shape]) => [
    name,
    variableFrom(randomArray(rng, shape.reduce((a, b) => a * b, 1)), shape),
  ]);
  const ref = new Map(variables.map(([name, v]) => [name, { w: Float64Array.from(v.dataSync()), v: new Float64Array(v.size) }]));
  const opt = new MomentumSgd({ momentum, weightDecay });
  for (const lr of lrs) {
    const grads: Record<string, tf.Tensor> = {};
    for (const [name, v] of variables) {
      const g = randomArray(rng, v.size);
      grads[name] = tf.tensor(g, v.shape);
      const r = ref.get(name)!;
      referenceStep(r.w, r.v, g, lr, momentum, weightDecay);
    }
    opt.step(variables, grads, lr);
    tf.dispose(Object.values(grads));
  }
  for (const [name, v] of variables) {
    const r = ref.get(name)!;
    assert.ok(maxAbsDiff(v.dataSync(), r.w) < 1e-6, `${name} weights`);
    assert.ok(maxAbsDiff(opt.getState().get(name)!.dataSync(), r.v) < 1e-6, `${name} momentum`);
  }
  opt.dispose();
  tf.dispose(variables.map(([, v]) => v));
});

test('learning-rate multipliers scale each variable\'s step (float64 hand computation)', async () => {
  await initBackend('cpu');
  const rng = new Rng(4);
  const [momentum, weightDecay] = [0.9, 5e-4];
  const lrMult = { conv: 0.1, 'conv.bias': 0 };
  const factors: Record<string, number> = { 'conv.weight': 0.1, 'conv.bias': 0, 'fc.weight': 1 };
  const variables: Array<[string, tf.Variable]> = Object.entries(shapes).map(([name, shape]) => [
    name,
    variableFrom(randomArray(rng, shape.reduce((a, b) => a * b, 1)), shape),
  ]);
  const ref = new Map(variables.map(([name, v]) => [name, { w: Float64Array.from(v.dataSync()), v: new Float64Array(v.size) }]));
  const opt = new MomentumSgd({ momentum, weightDecay, lrMult });
  for (const lr of [0.1, 0.05]) {
    const grads: Record<string, tf.Tensor> = {};
    for (const [name, v] of variables) {
      const g = randomArray(rng, v.size);
      grads[name] = tf.tensor(g, v.shape);
      const r = ref.get(name)!;
      referenceStep(r.w, r.v, g, lr * factors[name], momentum, weightDecay);
    }
    opt.step(variables, grads, lr);
    tf.dispose(Object.values(grads));
  }
  for (const [name, v] of variables) {
    const r = ref.get(name)!;
    assert.ok(maxAbsDiff(v.dataSync(), r.w) < 1e-6, `${name} weights`);
  }
  opt.dispose();
  tf.dispose(variables.map(([, v]) => v));
});

test('a missing gradient throws naming the variable', async () => {
  await initBackend('cpu');
  const v = tf.variable(tf.zeros([2]));
  const opt = new MomentumSgd({ momentum: 0.9, weightDecay: 0 });
  assert.throws(() => opt.step([['head.bias', v]], {}, 0.1), /head\.bias/);
  opt.dispose();
  v.dispose();
});

test('getState/setState round trip continues exactly as the original optimizer; no tensor leak', async () => {
  await initBackend('cpu');
  const rng = new Rng(5);
  const init = Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, randomArray(rng, s.reduce((a, b) => a * b, 1))]));
  const gradSeq = [0, 1, 2].map(() =>
    Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, randomArray(rng, s.reduce((a, b) => a * b, 1))])),
  );
  const makeVars = (): Array<[string, tf.Variable]> =>
    Object.entries(shapes).map(([n, s]) => [n, variableFrom(init[n], s)]);
  const runStep = (opt: MomentumSgd, vars: Array<[string, tf.Variable]>, k: number) => {
    const grads = Object.fromEntries(vars.map(([n, v]) => [n, tf.tensor(gradSeq[k][n], v.shape)]));
    opt.step(vars, grads, 0.1);
    tf.dispose(Object.values(grads));
  };
  const start = tf.memory().numTensors;

  // A: three steps straight.
  const varsA = makeVars();
  const optA = new MomentumSgd({ momentum: 0.9, weightDecay: 1e-3 });
  for (let k = 0; k < 3; k++) runStep(optA, varsA, k);

  // B: two steps, state copied (as a checkpoint would) into a fresh optimizer, third step there.
  const varsB = makeVars();
  const optB = new MomentumSgd({ momentum: 0.9, weightDecay: 1e-3 });
  runStep(optB, varsB, 0);
  const afterFirst = tf.memory().numTensors;
  runStep(optB, varsB, 1);
  assert.equal(tf.memory().numTensors, afterFirst, 'a step with existing buffers creates no lasting tensors');
  const saved = new Map([...optB.getState()].map(([n, t]) => [n, tf.tensor(t.dataSync(), t.shape)]));
  optB.dispose();
  const optC = new MomentumSgd({ momentum: 0.9, weightDecay: 1e-3 });
  optC.setState(saved);
  tf.dispose([...saved.values()]); // the caller may dispose its copies
  assert.deepEqual([...optC.getState().keys()].sort(), Object.keys(shapes).sort());
  runStep(optC, varsB, 2);
  for (let i = 0; i < varsA.length; i++) {
    assert.deepEqual(Array.from(varsB[i][1].dataSync()), Array.from(varsA[i][1].dataSync()), varsA[i][0]);
    assert.deepEqual(
      Array.from(optC.getState().get(varsA[i][0])!.dataSync()),
      Array.from(optA.getState().get(varsA[i][0])!.dataSync()),
    );
  }
  // setState over existing buffers frees the old ones.
  const again = new Map([...optC.getState()].map(([n, t]) => [n, tf.clone(t)]));
  const beforeReset = tf.memory().numTensors;
  optC.setState(again);
  tf.dispose([...again.values()]);
  assert.equal(tf.memory().numTensors, beforeReset - again.size, 'old buffers freed on setState');

  optA.dispose();
  optC.dispose();
  tf.dispose([...varsA, ...varsB].map(([, v]) => v));
  assert.equal(tf.memory().numTensors, start, 'everything freed');
});
