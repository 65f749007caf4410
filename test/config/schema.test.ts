import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { parseConfig } from '../../src/config/schema';
import { registerDataset } from '../../src/data/registry';

const base = { model: { numClasses: 3, backbone: { type: 'vgg16', width: 0.25 } }, data: { type: 'context' }, train: { iterations: 1 } };

test('data section: a data set\'s options under its name are checked by its schema; other keys are errors', () => {
  // Parsed by the data set's schema: its defaults are filled in.
  assert.deepEqual(parseConfig({ ...base, data: { type: 'context', context: { seed: 3 } } }).data.context, { seed: 3, trainSize: 200, valSize: 50, height: 64, width: 64, noise: 10 });
  assert.throws(() => parseConfig({ ...base, data: { type: 'context', context: { seed: 'x' } } }), /data\.context\.seed:/);
  assert.throws(() => parseConfig({ ...base, data: { type: 'context', contxt: {} } }), /data\.contxt: unrecognized key "contxt" \(options may be given for: cityscapes, context, voc\)/);
  // A data set registered later (by a user) brings its options too.
  registerDataset('sections-test', () => { throw new Error('not opened here'); }, z.object({ level: z.number().int() }).strict());
  assert.deepEqual(parseConfig({ ...base, data: { type: 'sections-test', 'sections-test': { level: 2 } } }).data['sections-test'], { level: 2 });
  assert.throws(() => parseConfig({ ...base, data: { type: 'sections-test', 'sections-test': { level: 2.5 } } }), /data\.sections-test\.level:/);
});
