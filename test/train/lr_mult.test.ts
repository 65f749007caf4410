import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLrMultipliers, lrMultiplier } from '../../src/train/lr_mult';

test('lrMultiplier: the longest containing module path wins; paths match whole name segments', () => {
  const mult = { clsHead: 0.1, 'clsHead.fc3': 2, backbone: 0.5 };
  assert.equal(lrMultiplier('clsHead.fc1.weight', mult), 0.1);
  assert.equal(lrMultiplier('clsHead.fc3.bias', mult), 2);
  assert.equal(lrMultiplier('backbone.layer1.0.conv1.weight', mult), 0.5);
  assert.equal(lrMultiplier('denseHead.fc8.weight', mult), 1);
  // A prefix that is not a whole segment does not match.
  assert.equal(lrMultiplier('clsHeadExtra.w', mult), 1);
  assert.equal(lrMultiplier('clsHead.fc30.w', mult), 0.1);
  assert.equal(lrMultiplier('anything', undefined), 1);
});

test('checkLrMultipliers names the path that matches no variable', () => {
  const names = ['backbone.conv1.weight', 'clsHead.fc1.weight'];
  assert.doesNotThrow(() => checkLrMultipliers({ clsHead: 0.1, 'backbone.conv1': 1 }, names));
  assert.throws(() => checkLrMultipliers({ clsHed: 0.1 }, names), /train\.lrMult\.clsHed: .*backbone, clsHead/);
});
