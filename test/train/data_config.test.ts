import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveDataConfig } from '../../src/train/data_config';
import { defaultCamvidRoot } from '../../src/data/datasets/camvid';
import { shippedModelDir } from '../../src/model/shipped';

const pick = (c: { type: string; root?: string }) => ({ type: c.type, root: c.root });

test('resolveDataConfig: explicit choice, then a config file, then the run folder; the shipped model defaults to CamVid', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-data-config-'));
  try {
    const model = path.join(dir, 'loose-model');
    fs.mkdirSync(model);
    assert.throws(() => resolveDataConfig({}, model), /no data set given: use --data/);
    assert.deepEqual(pick(resolveDataConfig({ data: 'camvid', dataRoot: 'x' }, model)), { type: 'camvid', root: path.resolve('x') });
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, JSON.stringify({ data: { type: 'voc', root: '/data/voc' } }));
    assert.equal(resolveDataConfig({ config: file }, model).type, 'voc');
    // --data-root replaces the file's root.
    assert.deepEqual(pick(resolveDataConfig({ config: file, dataRoot: '/elsewhere' }, model)), { type: 'voc', root: '/elsewhere' });
    assert.deepEqual(pick(resolveDataConfig({}, shippedModelDir())), { type: 'camvid', root: defaultCamvidRoot() });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
