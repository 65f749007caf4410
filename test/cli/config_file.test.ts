import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../src/cli/config_file';
import { readJsonFileSync } from '../../src/util/json_file';
import { modelPreset } from '../../src/model/presets';

let tmp = '';
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-config-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeConfig(name: string, value: unknown): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

const base = {
  model: 'bench-vgg',
  data: { type: 'context', context: { trainSize: 8, valSize: 4, height: 32, width: 32 } },
  train: { iterations: 2 },
};

test('a preset name as model gives the preset; defaults are filled in', () => {
  const config = loadConfig(writeConfig('preset.json', base));
  assert.deepEqual(config.model, modelPreset('bench-vgg'));
  assert.equal(config.train.iterations, 2);
  assert.equal(config.train.batchSize, 2, 'default batch size');
  assert.equal(config.backend, 'wasm', 'default backend');
});

test('{preset, ...overrides} merges the overrides into the preset', () => {
  const config = loadConfig(
    writeConfig('overrides.json', {
      ...base,
      model: { preset: 'bench-vgg', numClasses: 8, backbone: { width: 0.0625 }, denseHead: { channels: 8 } },
    }),
  );
  assert.deepEqual(config.model, modelPreset('bench-vgg', { numClasses: 8, backbone: { width: 0.0625 }, denseHead: { channels: 8 } }));
  assert.equal(config.model.backbone.outputStride, 8, 'unchanged preset fields kept');
  assert.equal(config.model.clsHead.hidden, 512);
});

test('a typo field is an error naming its path', () => {
  const file = writeConfig('typo.json', { ...base, train: { iterations: 2, batchSzie: 4 } });
  assert.throws(() => loadConfig(file), (err: Error) => {
    assert.ok(err.message.includes(file), err.message);
    assert.match(err.message, /train/);
    assert.match(err.message, /batchSzie/);
    return true;
  });
  const top = writeConfig('typo-top.json', { ...base, bakend: 'cpu' });
  assert.throws(() => loadConfig(top), /bakend/);
  const nested = writeConfig('typo-model.json', { ...base, model: { preset: 'bench-vgg', backbone: { widht: 0.5 } } });
  assert.throws(() => loadConfig(nested), (err: Error) => {
    assert.ok(err.message.includes(nested), err.message);
    assert.match(err.message, /model\.backbone: .*widht/);
    return true;
  });
  const wrongType = writeConfig('wrong-type.json', { ...base, train: { iterations: 'many' } });
  assert.throws(() => loadConfig(wrongType), /train\.iterations/);
});

test('an unknown preset, a missing file and invalid JSON are errors naming the preset or file', () => {
  const unknown = writeConfig('unknown.json', { ...base, model: 'bench-vgq' });
  assert.throws(() => loadConfig(unknown), (err: Error) => err.message.includes(unknown) && /bench-vgq/.test(err.message));
  const missing = path.join(tmp, 'nope', 'missing.json');
  assert.throws(() => loadConfig(missing), (err: Error) => err.message.includes(missing));
  const broken = writeConfig('broken.json', '{ "model": "bench-vgg", ');
  assert.throws(() => loadConfig(broken), (err: Error) => err.message.includes(broken) && /JSON/.test(err.message));
  assert.throws(() => readJsonFileSync(broken, 'config file'), (err: Error) => err.message.includes(broken));
  const array = writeConfig('array.json', '[1, 2]');
  assert.throws(() => loadConfig(array), (err: Error) => err.message.includes(array));
});

test('a relative data.root is resolved against the config file folder; absolute roots kept', () => {
  const file = writeConfig(path.join('sub', 'dir', 'camvid.json'), { ...base, data: { type: 'camvid', root: '../data/camvid' } });
  assert.equal(loadConfig(file).data.root, path.join(tmp, 'sub', 'data', 'camvid'));
  const abs = writeConfig('abs.json', { ...base, data: { type: 'camvid', root: '/srv/camvid' } });
  assert.equal(loadConfig(abs).data.root, '/srv/camvid');
});

test('command-line overrides win over the file and are validated', () => {
  const file = writeConfig('cli.json', base);
  const config = loadConfig(file, {
    model: 'bench-resnet',
    variant: 'baseline',
    backend: 'cpu',
    dataRoot: 'relative/root',
    train: { iterations: 7, baseLr: 0.5 },
  });
  assert.equal(config.model.name, 'bench-resnet');
  assert.equal(config.model.variant, 'baseline');
  assert.equal(config.backend, 'cpu');
  assert.equal(config.data.root, path.resolve('relative/root'), 'a command-line root is relative to the working folder');
  assert.equal(config.train.iterations, 7);
  assert.equal(config.train.baseLr, 0.5);
  assert.throws(() => loadConfig(file, { train: { iterations: -1 } }), /train\.iterations/);
  // No file at all: everything from the command line.
  const bare = loadConfig(undefined, { model: 'bench-vgg', data: 'context', train: { iterations: 3 } });
  assert.equal(bare.data.type, 'context');
  assert.throws(() => loadConfig(undefined, { data: 'context', train: { iterations: 3 } }), /model/);
});
