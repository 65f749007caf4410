import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { ablateCommand } from '../../src/cli/ablate_command';
import { fitCrfCommand } from '../../src/cli/fit_crf_command';
import { learnCombineCommand } from '../../src/cli/learn_combine_command';
import { refitClsCommand } from '../../src/cli/refit_cls_command';
import { readLabel, writeImagePng } from '../../src/data/image_io';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import { readModelJson, saveWeights } from '../../src/model/serialization';
import { Rng } from '../../src/util/rng';
import { runCli } from './run_cli';

const L = 8;
let tmp = '';
let config = '';
let joint = '';
let baseline = '';
let bare = '';

before(async () => {
  await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-fit-cli-'));
  config = path.join(tmp, 'data.json');
  fs.writeFileSync(config, JSON.stringify({ data: { type: 'context', context: { seed: 2, trainSize: 4, valSize: 3, height: 24, width: 24 } } }));
  const make = (variant: 'joint' | 'baseline', seed: number) =>
    buildSegmentor(
      modelPreset('bench-vgg', { variant, numClasses: L, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } }),
      seed,
    );
  [joint, baseline, bare] = ['joint', 'baseline', 'bare'].map((n) => path.join(tmp, n));
  const j = make('joint', 1);
  const b = make('baseline', 2);
  await saveWeights(joint, j, { classes: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'], iteration: 3 });
  await saveWeights(bare, j);
  await saveWeights(baseline, b);
  j.dispose();
  b.dispose();
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('--help of fit-crf, learn-combine, refit-cls and ablate mentions every option', async () => {
  const commands: Array<[string, () => Command]> = [
    ['fit-crf', fitCrfCommand],
    ['learn-combine', learnCombineCommand],
    ['refit-cls', refitClsCommand],
    ['ablate', ablateCommand],
  ];
  const helps = await Promise.all(commands.map(([name]) => runCli([name, '--help'], 120_000)));
  commands.forEach(([name, build], i) => {
    assert.equal(helps[i].code, 0, helps[i].stderr);
    for (const option of build().options) assert.ok(helps[i].stdout.includes(option.long!), `${name} --help should mention ${option.long}`);
  });
});

test('fit-crf and learn-combine store settings with the model; eval, predict and ablate use them', async () => {
  const weightsBefore = fs.readFileSync(path.join(joint, 'weights.bin'));
  const fit = await runCli(['fit-crf', '-k', joint, '-c', config, '--limit', '2', '--quick', '--backend', 'cpu', '--threads', '2', '-o', path.join(tmp, 'search.json')], 120_000);
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stdout, /\| w \| λ \| r \| ε \| T \|/);
  assert.match(fit.stdout, /best: w [\d.]+, λ [\d.]+, r \d+/);
  const learn = await runCli(['learn-combine', '-k', joint, '-c', config, '--limit', '2', '--pixels', '300', '--iterations', '20', '--backend', 'cpu'], 120_000);
  assert.equal(learn.code, 0, learn.stderr);
  assert.match(learn.stdout, /mean CE ([\d.]+) \(avg\) -> ([\d.]+) \(learned\)/);
  const [, before, afterCe] = learn.stdout.match(/mean CE ([\d.]+) \(avg\) -> ([\d.]+)/)!;
  assert.ok(Number(afterCe) <= Number(before));

  const averaged = (await readModelJson(joint)).userDefinedMetadata!;
  assert.deepEqual(averaged.crfAveraged, { settings: averaged.crf, potts: (averaged.crfFit as { potts: unknown }).potts, data: 'context/val, first 2 images' }, 'a fit on averaged candidates is also kept as crfAveraged');
  // Once weights are stored, fit-crf fits on the learned combination (the CRF runs after it) and keeps crfAveraged.
  const refit = await runCli(['fit-crf', '-k', joint, '-c', config, '--limit', '2', '--quick', '--backend', 'cpu', '--threads', '2'], 120_000);
  assert.equal(refit.code, 0, refit.stderr);
  assert.match(refit.stderr, /learned\)/);

  // The baseline's own settings, for the ablation's "baseline, same pipeline" row.
  for (const args of [
    ['fit-crf', '-k', baseline, '-c', config, '--limit', '2', '--quick', '--backend', 'cpu', '--threads', '2'],
    ['learn-combine', '-k', baseline, '-c', config, '--limit', '2', '--pixels', '300', '--iterations', '20', '--backend', 'cpu'],
    ['fit-crf', '-k', baseline, '-c', config, '--limit', '2', '--quick', '--backend', 'cpu', '--threads', '2'],
  ]) {
    const run = await runCli(args, 120_000);
    assert.equal(run.code, 0, run.stderr);
  }
  const baselineCrf = (await readModelJson(baseline)).userDefinedMetadata?.crf as { lambda: number } | undefined;
  assert.equal(baselineCrf?.lambda, 0, 'the baseline has no global scores: λ = 0');

  const json = await readModelJson(joint);
  const meta = json.userDefinedMetadata!;
  assert.deepEqual(meta.classes, ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'], 'other metadata kept');
  assert.equal(meta.iteration, 3);
  const crf = meta.crf as Record<string, number>;
  assert.ok(crf.w >= 0 && Number.isInteger(crf.r) && crf.T >= 0);
  assert.equal((meta.crfFit as { images: number }).images, 2);
  assert.equal((meta.crfFit as { combine: string }).combine, 'learned');
  assert.deepEqual(meta.crfAveraged, averaged.crfAveraged, 'the averaged-candidates CRF is kept');
  const cw = meta.combineWeights as { scales: number[]; flip: boolean; weights: number[] };
  assert.deepEqual(cw.scales, [1.2, 1, 0.8]);
  assert.equal(cw.weights.length, 6 * L);
  assert.deepEqual(fs.readFileSync(path.join(joint, 'weights.bin')), weightsBefore, 'weights untouched');
  const search = JSON.parse(fs.readFileSync(path.join(tmp, 'search.json'), 'utf8'));
  assert.ok(search.rows.length > 3);

  const image = path.join(tmp, 'in.png');
  const rng = new Rng(4);
  await writeImagePng(image, Uint8Array.from({ length: 20 * 16 * 3 }, () => rng.int(256)), 20, 16);
  const outDir = path.join(tmp, 'ablation');
  const [evaluated, predicted, ablated, refused] = await Promise.all([
    runCli(['eval', '-k', joint, '-c', config, '--oracle', '--backend', 'cpu', '-o', path.join(tmp, 'eval.json')], 120_000),
    runCli(['predict', image, '-k', joint, '-o', path.join(tmp, 'pred'), '--combine', 'learned', '--backend', 'cpu', '--threads', '1'], 120_000),
    runCli(['ablate', '--joint', joint, '--baseline', baseline, '-c', config, '--fit', 'never', '-o', outDir, '--backend', 'cpu'], 120_000),
    runCli(['ablate', '--joint', bare, '--baseline', baseline, '-c', config, '--fit', 'never', '-o', path.join(tmp, 'x'), '--backend', 'cpu'], 120_000),
  ]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stderr, new RegExp(`pipeline: single scale; guidance CRF w=${crf.w} λ=${crf.lambda} r=${crf.r}`), 'stored CRF used by default');
  const report = JSON.parse(fs.readFileSync(path.join(tmp, 'eval.json'), 'utf8'));
  assert.equal(report.oracle, true);
  assert.deepEqual(report.pipeline.crf, crf);

  assert.equal(predicted.code, 0, predicted.stderr);
  assert.match(predicted.stderr, /6 candidates \(scales 1.2,1,0.8 × flip, learned\); guidance CRF/);
  const label = await readLabel(path.join(tmp, 'pred', 'in.png'));
  assert.equal(label.width, 20);

  assert.equal(ablated.code, 0, ablated.stderr);
  for (const row of ['baseline', '+ clsNet', '+ guidance CRF (λ = 0)', '+ compatibility', '+ learn to combine', '+ ground truth label', 'baseline + guidance CRF + learn to combine']) {
    assert.ok(ablated.stdout.includes(row), `ablate prints ${row}`);
  }
  const md = fs.readFileSync(path.join(outDir, 'ablation.md'), 'utf8');
  assert.match(md, /stored with the joint model \(fitted on context\/val, first 2 images\)/);
  const abl = JSON.parse(fs.readFileSync(path.join(outDir, 'ablation.json'), 'utf8'));
  assert.match(md, /baseline's own learned combination weights: .*its guidance CRF on them: w [\d.]+, λ 0, .*stored with the baseline model/);
  assert.equal(abl.rows.length, 7);
  assert.equal(abl.combineTable.length, 4);
  assert.deepEqual(abl.settings.joint.crfLearned, crf);
  assert.deepEqual(abl.settings.joint.crf, (meta.crfAveraged as { settings: unknown }).settings);

  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /lacks CRF settings fitted on averaged candidates.*fit-crf/);
  assert.equal(tf.memory().numTensors, 0);
});

test('pack --test-scale stores the scale the single-candidate pipeline then runs at', async () => {
  const packed = path.join(tmp, 'packed');
  const pack = await runCli(['pack', '-k', bare, '-o', packed, '--test-scale', '1.5', '--backend', 'cpu'], 120_000);
  assert.equal(pack.code, 0, pack.stderr);
  assert.equal((await readModelJson(packed)).userDefinedMetadata!.testScale, 1.5);
  const [byDefault, given, refused] = await Promise.all([
    runCli(['eval', '-k', packed, '-c', config, '--limit', '1', '--no-crf', '--backend', 'cpu'], 120_000),
    runCli(['eval', '-k', packed, '-c', config, '--limit', '1', '--no-crf', '--scales', '1', '--backend', 'cpu'], 120_000),
    runCli(['pack', '-k', bare, '-o', path.join(tmp, 'x2'), '--test-scale', '0', '--backend', 'cpu'], 120_000),
  ]);
  assert.equal(byDefault.code, 0, byDefault.stderr);
  assert.match(byDefault.stderr, /pipeline: 1 candidates \(scales 1\.5, avg\); no CRF/);
  assert.match(given.stderr, /pipeline: single scale; no CRF/);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /--test-scale.*expected a number > 0/);
  assert.ok(!fs.existsSync(path.join(tmp, 'x2')), 'nothing written');
});

test('refit-cls writes a new model with a refitted clsNet and drops the settings fitted for the old g', async () => {
  const source = path.join(tmp, 'refit-in');
  const out = path.join(tmp, 'refit-out');
  const cache = path.join(tmp, 'refit-cache');
  const m = buildSegmentor(
    modelPreset('bench-vgg', { variant: 'joint', numClasses: L, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } }),
    4,
  );
  const crf = { w: 1, lambda: 1, r: 2, eps: 3, T: 2, subsample: 1 };
  await saveWeights(source, m, { classes: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'], testScale: 1, crf });
  m.dispose();
  const weightsBefore = fs.readFileSync(path.join(source, 'weights.bin'));
  const args = ['refit-cls', '-k', source, '-c', config, '--limit', '2', '--scales', '1', '--epochs', '3', '--batch-size', '2', '--cache', cache, '--backend', 'cpu'];
  const [first, sameInput, fromBaseline] = await Promise.all([
    runCli([...args, '-o', out], 120_000),
    runCli([...args, '-o', source], 120_000),
    runCli(['refit-cls', '-k', baseline, '-c', config, '-o', path.join(tmp, 'refit-b'), '--limit', '2', '--scales', '1', '--epochs', '2', '--batch-size', '2', '--backend', 'cpu'], 120_000),
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /4 views of context\/train \(scales 1, flipped too\)/);
  const [, beforeLoss, afterLoss] = first.stdout.match(/before: CE [\d.]+, BCE ([\d.]+)[\s\S]*after: +CE [\d.]+, BCE ([\d.]+)/)!;
  assert.ok(Number(afterLoss) < Number(beforeLoss), `BCE ${beforeLoss} -> ${afterLoss}`);
  const meta = (await readModelJson(out)).userDefinedMetadata!;
  assert.equal(meta.crf, undefined);
  assert.equal(meta.testScale, 1);
  assert.deepEqual(meta.classes, ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
  assert.equal((meta.globalRefit as { data: string }).data, 'context/train, first 2 images');
  assert.deepEqual(fs.readFileSync(path.join(source, 'weights.bin')), weightsBefore, 'the input model is untouched');
  assert.ok(fs.existsSync(path.join(cache, 'views.v8')));

  // A second run with the same settings reuses the cached network passes.
  const again = await runCli([...args, '-o', path.join(tmp, 'refit-out2')], 120_000);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /network pass/);
  assert.equal(again.stdout.split('\n')[1], first.stdout.split('\n')[1], 'same starting losses from the cache');

  // A corrupt cache is reported and rebuilt, never trusted.
  fs.writeFileSync(path.join(cache, 'views.v8'), fs.readFileSync(path.join(cache, 'views.v8')).subarray(0, 100));
  const corrupt = await runCli([...args, '-o', path.join(tmp, 'refit-out3')], 120_000);
  assert.equal(corrupt.code, 0, corrupt.stderr);
  assert.match(corrupt.stderr, /views\.v8: unreadable/);
  assert.equal(corrupt.stdout.split('\n')[1], first.stdout.split('\n')[1]);

  assert.notEqual(sameInput.code, 0);
  assert.match(sameInput.stderr, /is the input model/);
  // A baseline model gets a fresh global branch, trained on its frozen network.
  assert.equal(fromBaseline.code, 0, fromBaseline.stderr);
  assert.match(fromBaseline.stderr, /is a baseline model: adding a fresh global branch/);
  const added = await readModelJson(path.join(tmp, 'refit-b'));
  assert.equal(added.modelTopology.variant, 'joint');
  assert.equal((added.userDefinedMetadata!.globalRefit as { addedBranch?: boolean }).addedBranch, true);
});
