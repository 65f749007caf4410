import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import { decodeNamedTensors, encodeNamedTensors, writeFilesAtomic } from '../../src/model/checkpoint_io';
import { loadCheckpoint, loadSegmentor, loadWeightsInto, saveWeights } from '../../src/model/serialization';
import { Rng } from '../../src/util/rng';
import { maxAbsDiff, randomArray, tinyConfig } from './helpers';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'guideseg-model-'));
}

test('save → load round trip gives identical outputs, config and metadata', async () => {
  await initBackend('cpu');
  const root = await tempDir();
  try {
    const model = buildSegmentor(tinyConfig('bench-resnet'), 7);
    // Move the BatchNorm running statistics so they are not at their initial values.
    const images = tf.tensor4d(randomArray(new Rng(1), 2 * 33 * 41 * 3, 0, 255), [2, 33, 41, 3]);
    tf.tidy(() => void model.forward(images, { training: true, rng: new Rng(2) }));
    const dir = path.join(root, 'ckpt');
    await saveWeights(dir, model, { iteration: 12, note: 'x' });
    assert.deepEqual((await fs.readdir(root)).sort(), ['ckpt']);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['model.json', 'weights.bin']);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    assert.equal(json.weightsManifest[0].paths[0], 'weights.bin');
    assert.equal(json.weightsManifest[0].weights.length, model.namedVariables().length);

    const { model: loaded, config, metadata } = await loadCheckpoint(dir);
    assert.deepEqual(config, model.config);
    assert.deepEqual(metadata, { iteration: 12, note: 'x' });
    const a = model.forward(images, { training: false });
    const b = loaded.forward(images, { training: false });
    assert.equal(maxAbsDiff(await a.dense.data(), await b.dense.data()), 0);
    assert.equal(maxAbsDiff(await a.global!.data(), await b.global!.data()), 0);

    // Overwriting an existing checkpoint replaces it whole, leaving no temporary folders.
    const other = buildSegmentor(tinyConfig('bench-resnet'), 8);
    await saveWeights(dir, other);
    assert.deepEqual((await fs.readdir(root)).sort(), ['ckpt']);
    await loadWeightsInto(dir, loaded);
    const c = other.forward(images, { training: false });
    const d = loaded.forward(images, { training: false });
    assert.equal(maxAbsDiff(await c.dense.data(), await d.dense.data()), 0);
    assert.equal((await loadCheckpoint(dir).then((r) => { r.model.dispose(); return r.metadata; })), undefined);
    tf.dispose([images, a.dense, a.global!, b.dense, b.global!, c.dense, c.global!, d.dense, d.global!]);
    for (const m of [model, loaded, other]) m.dispose();
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('missing, truncated, altered or mismatched checkpoint files give errors naming them', async () => {
  await initBackend('cpu');
  const root = await tempDir();
  try {
    const model = buildSegmentor(tinyConfig('bench-vgg'), 1);
    const dir = path.join(root, 'ckpt');
    const bin = path.join(dir, 'weights.bin');
    const modelJson = path.join(dir, 'model.json');
    const before = tf.memory().numTensors;
    await saveWeights(dir, model);
    const good = await fs.readFile(bin);

    await fs.rm(bin);
    await assert.rejects(loadSegmentor(dir), (e: Error) => e.message.includes(bin) && /missing/.test(e.message));
    await fs.writeFile(bin, good.subarray(0, good.length - 8));
    await assert.rejects(loadSegmentor(dir), (e: Error) => e.message.includes(bin) && /corrupt/.test(e.message));
    const flipped = Buffer.from(good);
    flipped[100] ^= 0xff;
    await fs.writeFile(bin, flipped);
    await assert.rejects(loadSegmentor(dir), (e: Error) => e.message.includes(bin) && /corrupt/.test(e.message));
    await fs.writeFile(bin, good);

    // Weights of another architecture: shape mismatch names the weights file and the variable.
    const wider = buildSegmentor(tinyConfig('bench-vgg', { denseHead: { channels: 24 } }), 1);
    await assert.rejects(loadWeightsInto(dir, wider), (e: Error) => e.message.includes(bin) && /denseHead\.fc6\.weight/.test(e.message));
    wider.dispose();

    await fs.writeFile(modelJson, '{"format": "guideseg-segm');
    await assert.rejects(loadSegmentor(dir), (e: Error) => e.message.includes(modelJson) && /JSON/.test(e.message));
    await fs.rm(modelJson);
    await assert.rejects(loadSegmentor(dir), (e: Error) => e.message.includes(modelJson) && /missing/.test(e.message));
    assert.equal(tf.memory().numTensors, before, 'failed loads leak no tensors');
    model.dispose();
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('encode/decode named tensors round trip; atomic writes reject bad names', async () => {
  await initBackend('cpu');
  const named: Array<[string, tf.Tensor]> = [
    ['a.m', tf.tensor2d([[1, 2], [3, 4]])],
    ['b', tf.tensor1d([5, 6, 7], 'int32')],
  ];
  const { data, specs } = await encodeNamedTensors(named, 'optimizer');
  const back = decodeNamedTensors(data, specs, 'state.bin');
  assert.deepEqual(await back['a.m'].data(), new Float32Array([1, 2, 3, 4]));
  assert.deepEqual(await back['b'].data(), new Int32Array([5, 6, 7]));
  assert.throws(() => decodeNamedTensors(data.subarray(1), specs, 'state.bin'), /state\.bin: corrupt/);
  const root = await tempDir();
  try {
    await assert.rejects(writeFilesAtomic(path.join(root, 'x'), { '../evil': 'no' }), /invalid checkpoint file name/);
    await writeFilesAtomic(path.join(root, 'x'), { 'state.json': '{}', 'state.bin': data });
    assert.deepEqual((await fs.readdir(path.join(root, 'x'))).sort(), ['state.bin', 'state.json']);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
  tf.dispose([...named.map(([, t]) => t), ...Object.values(back)]);
});

test('a baseline checkpoint loads as the joint variant with a fresh global branch when asked; nothing else changes', async () => {
  await initBackend('cpu');
  const root = await tempDir();
  try {
    const baseline = buildSegmentor(tinyConfig('bench-vgg', { variant: 'baseline' }), 3);
    const dir = path.join(root, 'baseline');
    await saveWeights(dir, baseline);
    const plain = await loadCheckpoint(dir);
    assert.equal(plain.config.variant, 'baseline');
    plain.model.dispose();
    const { model, config } = await loadCheckpoint(dir, { addGlobalBranch: true });
    assert.equal(config.variant, 'joint');
    const names = model.namedVariables().map(([n]) => n);
    const added = names.filter((n) => n.startsWith('clsHead.'));
    assert.ok(added.length > 0, 'the joint variant has clsHead weights');
    // Every weight of the baseline is loaded unchanged; the dense scores are the baseline's.
    const stored = new Map(baseline.namedVariables());
    for (const [name, v] of model.namedVariables()) {
      if (name.startsWith('clsHead.')) continue;
      assert.equal(maxAbsDiff(await v.data(), await stored.get(name)!.data()), 0, name);
    }
    const images = tf.tensor4d(randomArray(new Rng(4), 33 * 41 * 3, 0, 255), [1, 33, 41, 3]);
    const a = baseline.forward(images, { training: false });
    const b = model.forward(images, { training: false });
    assert.equal(maxAbsDiff(await a.dense.data(), await b.dense.data()), 0);
    assert.equal(a.global, null);
    assert.deepEqual(b.global!.shape, [1, config.numClasses]);
    tf.dispose([images, a.dense, b.dense, b.global!]);
    model.dispose();
    // A joint checkpoint is not touched by the option: its clsHead weights must be in the file.
    const joint = buildSegmentor(tinyConfig('bench-vgg'), 5);
    const jointDir = path.join(root, 'joint');
    await saveWeights(jointDir, joint);
    const again = await loadCheckpoint(jointDir, { addGlobalBranch: true });
    const jointVars = new Map(joint.namedVariables());
    for (const [name, v] of again.model.namedVariables()) assert.equal(maxAbsDiff(await v.data(), await jointVars.get(name)!.data()), 0, name);
    again.model.dispose();
    joint.dispose();
    baseline.dispose();
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('checkpoint metadata is validated on load: errors name the file and the field; unknown keys are kept', async () => {
  await initBackend('cpu');
  const root = await tempDir();
  try {
    const model = buildSegmentor(tinyConfig('bench-vgg', { numClasses: 3 }), 2);
    const save = async (name: string, metadata: Record<string, unknown>) => {
      const dir = path.join(root, name);
      await saveWeights(dir, model, metadata);
      return dir;
    };
    const good = await save('good', { classes: ['a', 'b', 'c'], palette: [[0, 0, 0], [1, 2, 3], [255, 255, 255]], iteration: 4, futureKey: { x: 1 } });
    const loaded = await loadCheckpoint(good);
    assert.deepEqual(loaded.metadata?.classes, ['a', 'b', 'c']);
    assert.deepEqual(loaded.metadata?.futureKey, { x: 1 });
    loaded.model.dispose();
    const fewer = await save('fewer', { classes: ['a', 'b'] });
    await assert.rejects(loadCheckpoint(fewer), (e: Error) => e.message.includes(path.join(fewer, 'model.json')) && /classes: 2 entries, the model has 3 classes/.test(e.message));
    const badColour = await save('colour', { palette: [[0, 0, 0], [1, 2, 300], [0, 0, 0]] });
    await assert.rejects(loadCheckpoint(badColour), /userDefinedMetadata:\n {2}palette\.1\.2:/);
    const badIteration = await save('iteration', { iteration: -1 });
    await assert.rejects(loadCheckpoint(badIteration), /iteration/);
    model.dispose();
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('a checkpoint must carry a checksum for each weights file and list files of its own folder only; saved folders get the umask', async () => {
  await initBackend('cpu');
  const root = await tempDir();
  try {
    const model = buildSegmentor(tinyConfig('bench-vgg'), 1);
    const dir = path.join(root, 'ckpt');
    await saveWeights(dir, model);
    model.dispose();
    const modelJson = path.join(dir, 'model.json');
    const good = JSON.parse(await fs.readFile(modelJson, 'utf8'));
    // The folder (made by mkdtemp, 0700) is chmod'ed to what the umask allows.
    const mode = (await fs.stat(dir)).mode & 0o777;
    assert.equal(mode, 0o777 & ~process.umask(), `checkpoint folder mode ${mode.toString(8)}`);

    await fs.writeFile(modelJson, JSON.stringify({ ...good, weightsChecksum: undefined }));
    await assert.rejects(loadSegmentor(dir), (e: Error) => e.message.includes(modelJson) && /weightsChecksum has no SHA-256 for weights\.bin/.test(e.message));
    const outside = { ...good, weightsManifest: [{ ...good.weightsManifest[0], paths: ['../../x/weights.bin'] }], weightsChecksum: { '../../x/weights.bin': 'a'.repeat(64) } };
    await fs.writeFile(modelJson, JSON.stringify(outside));
    await assert.rejects(loadSegmentor(dir), (e: Error) => e.message.includes(modelJson) && /weights path "\.\.\/\.\.\/x\/weights\.bin" is not a file of the checkpoint folder/.test(e.message));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
