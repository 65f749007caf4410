import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { planOutputs } from '../../src/cli/predict_command';
import { integer } from '../../src/cli/common';

test('predict: inputs with the same name get unique outputs (said), and no output may replace an input', () => {
  const { outputs, renamed } = planOutputs(['dup1/x.png', 'dup2/x.png', 'dup2/x.jpg', 'y.png'], 'out');
  assert.deepEqual(outputs.map((o) => path.basename(o.labels)), ['x.png', 'x-2.png', 'x-3.png', 'y.png']);
  assert.deepEqual(outputs.map((o) => path.basename(o.overlay)), ['x_overlay.png', 'x-2_overlay.png', 'x-3_overlay.png', 'y_overlay.png']);
  assert.equal(renamed.length, 2);
  assert.match(renamed[0], /dup2\/x\.png → x-2\.png/);
  // --out = the input's folder: the label map would replace the input image itself.
  assert.throws(() => planOutputs(['imgs/a.png'], 'imgs'), /would replace the input image .*imgs\/a\.png/);
  // An input named like another input's overlay.
  assert.throws(() => planOutputs(['imgs/a.jpg', 'imgs/a_overlay.png'], 'imgs'), /would replace the input image/);
  assert.doesNotThrow(() => planOutputs(['imgs/a.jpg'], 'imgs'), 'a.jpg → a.png beside it replaces nothing');
});

test('integer options take the whole text: 12abc is an error, not 12', () => {
  assert.equal(integer('12'), 12);
  assert.equal(integer('-3'), -3);
  for (const bad of ['12abc', '', '1.5', 'abc']) assert.throws(() => integer(bad), /expected an integer/);
});
