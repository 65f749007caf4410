import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCandidateSize, SIX_CANDIDATES } from '../../src/ensemble/candidates';

test('the input-size guard refuses candidates too large to run, with the limit and how to lower it', () => {
  assert.doesNotThrow(() => checkCandidateSize(360, 480, 11, SIX_CANDIDATES));
  assert.doesNotThrow(() => checkCandidateSize(360, 480, 11, { scales: [2, 1.5, 1], flip: true }));
  assert.throws(() => checkCandidateSize(8000, 8000, 11, { scales: [1], flip: false }), /image 8000×8000 at scale 1 makes a 8000×8000 candidate \(64\.0 MP\), over the limit of 16\.8 MP: downscale the image or use smaller scales/);
  assert.throws(() => checkCandidateSize(360, 480, 11, { scales: [10], flip: false }), /at scale 10 makes a 4800×3600 candidate/);
  assert.throws(() => checkCandidateSize(3000, 3000, 11, SIX_CANDIDATES), /with 6 candidates of 11 classes needs 2\.2 GiB of scores, over the limit of 1 GiB: use fewer candidates/);
});
