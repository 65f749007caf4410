import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrainProgress } from '../../src/train/progress';

/** The lines `f` writes to stderr. */
function captureStderr(f: () => void): string[] {
  const original = process.stderr.write.bind(process.stderr);
  const lines: string[] = [];
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    f();
  } finally {
    process.stderr.write = original;
  }
  return lines;
}

test('plain progress lines every logInterval steps and at the end, with the loss terms by name', () => {
  const lines = captureStderr(() => {
    const progress = new TrainProgress(5, 0, 2, false);
    for (let i = 1; i <= 5; i++) progress.update(i, { loss: 1.5 / i, terms: { ce: 1 / i, cls: 0.5 / i }, lr: 0.01, imagesPerSecond: 3 });
    progress.stop();
  });
  assert.deepEqual(lines, [
    'iter 2/5 loss 0.7500 (ce 0.5000, cls 0.2500) lr 1.00e-2 3.00 img/s\n',
    'iter 4/5 loss 0.3750 (ce 0.2500, cls 0.1250) lr 1.00e-2 3.00 img/s\n',
    'iter 5/5 loss 0.3000 (ce 0.2000, cls 0.1000) lr 1.00e-2 3.00 img/s\n',
  ]);
});

test('without terms the line shows the total alone', () => {
  const lines = captureStderr(() => new TrainProgress(1, 0, 1, false).update(1, { loss: 2, lr: 0.1, imagesPerSecond: 1 }));
  assert.deepEqual(lines, ['iter 1/1 loss 2.0000 lr 1.00e-1 1.00 img/s\n']);
});
