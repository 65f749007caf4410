import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { buildSegmentor } from '../../../src/model/build';
import { modelPreset } from '../../../src/model/presets';
import {
  createSharedState,
  parameterLayout,
  readMomentum,
  readWeights,
  writeBuffers,
  writeGradients,
  writeMomentum,
  writeWeights,
} from '../../../src/train/parallel/shared_state';
import { MomentumSgd } from '../../../src/train/sgd';

const config = modelPreset('bench-resnet', {
  numClasses: 3,
  backbone: { width: 0.0625 },
  denseHead: { channels: 4 },
  clsHead: { hidden: 4, poolSize: 1 },
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`shared state round trip on ${backend}: weights and momentum copy exactly; later writes to shared memory do not leak into the model`, async () => {
    await initBackend(backend);
    const before = tf.memory().numTensors;
    const source = buildSegmentor(config, 1);
    const target = buildSegmentor(config, 2);
    const layout = parameterLayout(source);
    assert.equal(layout.trainableSize, source.parameterCount());
    assert.ok(layout.buffers.length > 0 && layout.buffers.every((s) => /running(Mean|Var)$/.test(s.name)));
    const state = createSharedState(layout, 2);
    writeWeights(source, layout, state);
    readWeights(target, layout, state);
    state.weights.fill(7); // must not change what the target already holds
    const targetVars = new Map(target.namedVariables());
    for (const [name, v] of source.namedVariables()) assert.deepEqual(targetVars.get(name)!.dataSync(), v.dataSync(), name);

    // Gradient and buffer slots of worker 1 receive exactly the tensors' values.
    const grads = Object.fromEntries(source.namedTrainableVariables().map(([n, v]) => [n, tf.mul(v, 3)]));
    writeGradients(grads, layout, state, 1);
    writeBuffers(source, layout, state, 1);
    for (const s of layout.trainable) {
      const want = grads[s.name].dataSync();
      const got = state.grads.subarray(layout.trainableSize + s.offset, layout.trainableSize + s.offset + s.size);
      assert.deepEqual(got, want, `gradient slot of ${s.name}`);
    }
    const sourceVars = new Map(source.namedVariables());
    for (const s of layout.buffers) {
      const got = state.buffers.subarray(layout.bufferSize + s.offset, layout.bufferSize + s.offset + s.size);
      assert.deepEqual(got, sourceVars.get(s.name)!.dataSync(), `buffer slot of ${s.name}`);
    }
    tf.dispose(Object.values(grads));

    const optimizer = new MomentumSgd({ momentum: 0.9, weightDecay: 0 });
    const [name, variable] = source.namedTrainableVariables()[0];
    tf.tidy(() => optimizer.step([[name, variable]], { [name]: tf.onesLike(variable) }, 0.1));
    writeMomentum(optimizer, layout, state);
    const restored = new MomentumSgd({ momentum: 0.9, weightDecay: 0 });
    readMomentum(restored, layout, state);
    const got = restored.getState();
    assert.equal(got.size, layout.trainable.length);
    assert.deepEqual(got.get(name)!.dataSync(), optimizer.getState().get(name)!.dataSync());
    // Variables the optimizer had not touched yet start from zero momentum.
    assert.ok(got.get(layout.trainable[1].name)!.dataSync().every((v) => v === 0));
    [source, target, optimizer, restored].forEach((x) => x.dispose());
    assert.equal(tf.memory().numTensors, before);
  });
}
