import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseConfig, type Config } from '../../src/config/schema';
import { initBackend } from '../../src/engine/backend';
import { loadSegmentor } from '../../src/model/serialization';
import { checkpointDir, listCheckpoints } from '../../src/train/run_folder';
import { train } from '../../src/train/trainer';

let tmp = '';
before(async () => {
  await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-trainer-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tinyConfig(train: Record<string, unknown> = {}): Config {
  return parseConfig({
    model: {
      name: 'tiny',
      numClasses: 8,
      backbone: { type: 'vgg16', width: 0.0625, outputStride: 8 },
      denseHead: { channels: 8, dilation: 2 },
      clsHead: { hidden: 8, poolSize: 2 },
    },
    data: { type: 'context', context: { trainSize: 8, valSize: 4, height: 32, width: 32 } },
    train: {
      iterations: 6,
      batchSize: 2,
      cropSize: [16, 16],
      scaleRange: [0.75, 1.25],
      baseLr: 0.01,
      checkpointInterval: 2,
      logInterval: 100,
      seed: 3,
      ...train,
    },
    backend: 'cpu',
  });
}

function weightsOf(model: { namedVariables(): Array<[string, tf.Variable]> }): Map<string, Float32Array> {
  return new Map(model.namedVariables().map(([n, v]) => [n, v.dataSync() as Float32Array]));
}

function metricIterations(workDir: string): number[] {
  return fs
    .readFileSync(path.join(workDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { iteration: number }).iteration);
}

function assertSameWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>, what: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, values] of a) {
    const other = b.get(name)!;
    // Bit-identical: a resumed run must do exactly the same arithmetic.
    assert.ok(values.every((v, i) => Object.is(v, other[i])), `${what}: variable ${name} differs`);
  }
}

const quiet = { interactive: false };
/** Weights after 6 uninterrupted iterations of `tinyConfig()` (set by the first test). */
let straightWeights: Map<string, Float32Array> | null = null;

test('resume is exact: 3 + 3 iterations give the weights of 6 straight; the log has 1..6 once', async () => {
  const config = tinyConfig();
  const startTensors = tf.memory().numTensors;
  const dirA = path.join(tmp, 'straight');
  const a = await train(config, { workDir: dirA, ...quiet });
  assert.equal(a.iteration, 6);
  assert.equal(a.interrupted, false);
  assert.equal(a.finalDir, path.join(dirA, 'final'));
  const weightsA = weightsOf(a.model);
  straightWeights = weightsA;
  a.model.dispose();
  assert.equal(tf.memory().numTensors, startTensors, 'training leaves no tensors besides the model');

  const dirB = path.join(tmp, 'resumed');
  const first = await train(config, { workDir: dirB, stopAfter: 3, ...quiet });
  assert.equal(first.iteration, 3);
  assert.equal(first.interrupted, true);
  assert.equal(first.finalDir, null);
  assert.ok(fs.existsSync(checkpointDir(dirB, 3)), 'an interrupted run saves a checkpoint where it stopped');
  first.model.dispose();
  const second = await train(config, { workDir: dirB, resume: true, ...quiet });
  assert.equal(second.iteration, 6);
  assertSameWeights(weightsOf(second.model), weightsA, 'resumed vs straight');
  second.model.dispose();
  assert.deepEqual(metricIterations(dirB), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(metricIterations(dirA), [1, 2, 3, 4, 5, 6]);

  // The saved final model holds the same weights.
  const saved = await loadSegmentor(path.join(dirB, 'final'));
  assertSameWeights(weightsOf(saved), weightsA, 'final/ of the resumed run');
  saved.dispose();
  assert.equal(tf.memory().numTensors, startTensors);
});

test('resume after a crash past the newest checkpoint drops the logged steps it redoes', async () => {
  const config = tinyConfig();
  let weightsA = straightWeights;
  if (!weightsA) {
    const a = await train(config, { workDir: path.join(tmp, 'crash-ref'), ...quiet });
    weightsA = weightsOf(a.model);
    a.model.dispose();
  }

  const dir = path.join(tmp, 'crash');
  const first = await train(config, { workDir: dir, stopAfter: 3, ...quiet });
  first.model.dispose();
  // As if killed after logging step 3 but before saving it: only the iteration-2 checkpoint survives.
  fs.rmSync(checkpointDir(dir, 3), { recursive: true });
  fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"iteration": 4, "loss": 1'); // torn last line
  const second = await train(config, { workDir: dir, resume: true, ...quiet });
  assertSameWeights(weightsOf(second.model), weightsA, 'resumed from iteration 2');
  second.model.dispose();
  assert.deepEqual(metricIterations(dir), [1, 2, 3, 4, 5, 6]);
});

test('a work dir holding checkpoints without resume is refused', async () => {
  const config = tinyConfig({ iterations: 2 });
  const dir = path.join(tmp, 'refuse');
  const first = await train(config, { workDir: dir, stopAfter: 1, ...quiet });
  first.model.dispose();
  await assert.rejects(train(config, { workDir: dir, ...quiet }), (err: Error) => {
    assert.match(err.message, /resume/);
    assert.ok(err.message.includes(dir), err.message);
    return true;
  });
});

for (const file of ['weights.bin', 'optimizer.bin', 'state.json']) {
  test(`a corrupt checkpoint (${file} truncated) stops resume with an error naming the file`, async () => {
    const config = tinyConfig({ iterations: 3 });
    const dir = path.join(tmp, `corrupt-${file}`);
    const first = await train(config, { workDir: dir, stopAfter: 1, ...quiet });
    first.model.dispose();
    const target = path.join(checkpointDir(dir, 1), file);
    const size = fs.statSync(target).size;
    fs.truncateSync(target, Math.floor(size / 2));
    const count = tf.memory().numTensors;
    await assert.rejects(train(config, { workDir: dir, resume: true, ...quiet }), (err: Error) => {
      assert.ok(err.message.includes(target), `message should name ${target}: ${err.message}`);
      return true;
    });
    assert.equal(tf.memory().numTensors, count, 'a failed resume frees what it built');
  });
}

test('checkpoints are written atomically and only the newest 3 are kept', async () => {
  const config = tinyConfig({ iterations: 6, checkpointInterval: 1 });
  const dir = path.join(tmp, 'atomic');
  // Left by a save that was killed mid-way in an earlier run: removed by the next save.
  const stale = path.join(dir, 'checkpoints', '.iter_0000002.tmp-Xy12ab');
  fs.mkdirSync(stale, { recursive: true });
  fs.writeFileSync(path.join(stale, 'weights.bin'), 'partial');
  fs.mkdirSync(`${stale}.old`);
  const seen: string[][] = [];
  const result = await train(config, {
    workDir: dir,
    ...quiet,
    // After every step: no partly written checkpoint may be visible.
    onStep: () => seen.push(fs.existsSync(path.join(dir, 'checkpoints')) ? fs.readdirSync(path.join(dir, 'checkpoints')) : []),
  });
  result.model.dispose();
  // onStep runs before that step's save, so the first look still sees the stale folders.
  for (const names of seen.slice(1)) assert.ok(names.every((n) => /^iter_\d{7}$/.test(n)), `unexpected entries: ${names}`);
  assert.ok(!fs.existsSync(stale) && !fs.existsSync(`${stale}.old`), 'stale temporary folders removed');
  const names = fs.readdirSync(path.join(dir, 'checkpoints')).sort();
  assert.deepEqual(names, ['iter_0000004', 'iter_0000005', 'iter_0000006']);
  assert.deepEqual(listCheckpoints(dir), [6, 5, 4].map((i) => checkpointDir(dir, i)));
  for (const name of names) {
    const files = fs.readdirSync(path.join(dir, 'checkpoints', name)).sort();
    assert.deepEqual(files, ['model.json', 'optimizer.bin', 'optimizer.json', 'state.json', 'weights.bin']);
  }
  const leftovers = fs.readdirSync(dir).filter((n) => n.includes('.tmp'));
  assert.deepEqual(leftovers, [], 'no temporary files in the work dir');
  const state = JSON.parse(fs.readFileSync(path.join(checkpointDir(dir, 6), 'state.json'), 'utf8'));
  assert.equal(state.iteration, 6);
  assert.ok(fs.existsSync(path.join(dir, 'final', 'model.json')));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')), JSON.parse(JSON.stringify(config)));
});

test('a run killed before its first checkpoint restarts with a clean metrics log', async () => {
  const config = tinyConfig({ iterations: 2 });
  const dir = path.join(tmp, 'no-checkpoint');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"iteration": 1, "loss": 2}\n{"iteration": 2, "lo');
  const result = await train(config, { workDir: dir, ...quiet });
  result.model.dispose();
  assert.deepEqual(metricIterations(dir), [1, 2]);
});

test('train.globalRefit refits clsNet after the last step: final/ differs from the last checkpoint in clsNet only', async () => {
  const workDir = path.join(tmp, 'refit');
  const config = tinyConfig({ iterations: 2, globalRefit: { scales: [1], epochs: 2, batchSize: 4 } });
  const result = await train(config, { workDir, ...quiet });
  const final = await loadSegmentor(result.finalDir!);
  const last = await loadSegmentor(checkpointDir(workDir, 2));
  const [f, l] = [weightsOf(final), weightsOf(last)];
  for (const [name, values] of f) {
    const same = values.every((v, i) => Object.is(v, l.get(name)![i]));
    if (!name.startsWith('clsHead.')) assert.ok(same, `${name} must be the trained weight`);
  }
  assert.ok([...f].some(([name, values]) => name.startsWith('clsHead.') && values.some((v, i) => v !== l.get(name)![i])));
  const meta = JSON.parse(fs.readFileSync(path.join(result.finalDir!, 'model.json'), 'utf8')).userDefinedMetadata;
  assert.equal(meta.globalRefit.views, 16);
  assert.equal(meta.globalRefit.classWeights, false, 'the refit CE is unweighted by default');
  assert.ok(meta.globalRefit.after.cls < meta.globalRefit.before.cls);
  for (const m of [result.model, final, last]) m.dispose();
});

test('train.globalRefit on a baseline adds a global branch after the last step: final/ is the joint variant, every other weight the trained one', async () => {
  const workDir = path.join(tmp, 'refit-baseline');
  const base = tinyConfig({ iterations: 2, clsLossWeight: 0, globalRefit: { scales: [1], epochs: 2, batchSize: 4 } });
  const config = parseConfig({ ...base, model: { ...base.model, variant: 'baseline' } });
  const result = await train(config, { workDir, ...quiet });
  assert.equal(result.model.config.variant, 'joint');
  const final = await loadSegmentor(result.finalDir!);
  const last = await loadSegmentor(checkpointDir(workDir, 2));
  assert.equal(last.config.variant, 'baseline', 'the checkpoints hold the baseline');
  const [f, l] = [weightsOf(final), weightsOf(last)];
  for (const [name, values] of f) {
    if (name.startsWith('clsHead.')) assert.ok(!l.has(name), `${name} is new`);
    else assert.ok(values.every((v, i) => Object.is(v, l.get(name)![i])), `${name} must be the trained weight`);
  }
  const meta = JSON.parse(fs.readFileSync(path.join(result.finalDir!, 'model.json'), 'utf8')).userDefinedMetadata;
  assert.equal(meta.globalRefit.addedBranch, true);
  assert.equal(meta.globalRefit.clsLossWeight, 1, 'the added branch is trained with beta 1, not the baseline run\'s 0');
  assert.ok(meta.globalRefit.after.cls < meta.globalRefit.before.cls);
  for (const m of [result.model, final, last]) m.dispose();
});

test('a model whose class count differs from the data set, or a resume with another model config, is refused before the work dir changes', async () => {
  const dir = path.join(tmp, 'checked-first');
  const bad = parseConfig({ ...tinyConfig({ iterations: 2 }), model: { ...tinyConfig().model, numClasses: 5 } });
  await assert.rejects(train(bad, { workDir: dir, ...quiet }), /model\.numClasses is 5 but data set context\/train has 8 classes/);
  assert.equal(fs.existsSync(dir), false, 'nothing written');
  const config = tinyConfig({ iterations: 2 });
  const first = await train(config, { workDir: dir, stopAfter: 1, ...quiet });
  first.model.dispose();
  const runConfig = path.join(dir, 'config.json');
  const before = fs.readFileSync(runConfig, 'utf8');
  const wider = parseConfig({ ...config, model: { ...config.model, denseHead: { ...config.model.denseHead, channels: 16 } } });
  await assert.rejects(train(wider, { workDir: dir, resume: true, ...quiet }), /another model section; --resume needs the same model config/);
  assert.equal(fs.readFileSync(runConfig, 'utf8'), before, 'config.json unchanged');
});

test('SIGTERM behaves like Ctrl-C: a checkpoint after the current step, then a clean stop', async () => {
  const dir = path.join(tmp, 'sigterm');
  const result = await train(tinyConfig({ iterations: 6, checkpointInterval: 100 }), {
    workDir: dir,
    ...quiet,
    onStep: (iteration) => {
      if (iteration === 2) process.emit('SIGTERM', 'SIGTERM');
    },
  });
  assert.equal(result.interrupted, true);
  assert.equal(result.iteration, 2);
  assert.ok(fs.existsSync(checkpointDir(dir, 2)), 'the checkpoint of step 2 was saved');
  assert.equal(process.listenerCount('SIGTERM'), 0, 'the handler is removed after training');
  result.model.dispose();
});

test('resume passes over a corrupt newest checkpoint to the newest intact one, saying which', async () => {
  const config = tinyConfig({ iterations: 6, checkpointInterval: 1 });
  const dir = path.join(tmp, 'fallback');
  const first = await train(config, { workDir: dir, stopAfter: 3, ...quiet });
  first.model.dispose();
  const newest = listCheckpoints(dir)[0];
  assert.equal(newest, checkpointDir(dir, 3));
  fs.truncateSync(path.join(newest, 'weights.bin'), 10);
  const resumed = await train(config, { workDir: dir, resume: true, ...quiet });
  assert.equal(resumed.iteration, 6, 'it went on from step 2 to the end');
  resumed.model.dispose();
});
