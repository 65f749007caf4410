import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset, datasetTypes, registerDataset } from '../../src/data/registry';
import { Dataset } from '../../src/data/types';

test('built-in types are registered and new ones can be added', async () => {
  assert.deepEqual(
    ['camvid', 'context', 'voc'].filter((t) => datasetTypes().includes(t)),
    ['camvid', 'context', 'voc'],
  );
  const calls: string[] = [];
  registerDataset('tiny', (config, split): Dataset => {
    calls.push(`${config.type}:${split}`);
    return { type: 'tiny', split, classes: ['x'], palette: [[1, 2, 3]], length: 0, get: async () => { throw new Error('empty'); } };
  });
  const ds = buildDataset({ type: 'tiny', trainSplit: 'train', valSplit: 'val' }, 'val');
  assert.equal(ds.split, 'val');
  assert.deepEqual(calls, ['tiny:val']);
  assert.throws(() => buildDataset({ type: 'tinyy', trainSplit: 'train', valSplit: 'val' }, 'val'), /unknown data.type 'tinyy'.*tiny/);
});
