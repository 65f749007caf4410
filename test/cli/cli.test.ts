import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { benchCommand } from '../../src/cli/bench_command';
import { classifyCommand } from '../../src/cli/classify_command';
import { demoCommand } from '../../src/cli/demo_command';
import { demoContextCommand } from '../../src/cli/demo_context_command';
import { packCommand } from '../../src/cli/pack_command';
import { plotCommand } from '../../src/cli/plot_command';
import { evalCommand } from '../../src/cli/eval_command';
import { predictCommand } from '../../src/cli/predict_command';
import { trainCommand } from '../../src/cli/train_command';
import { readLabel, writeImagePng } from '../../src/data/image_io';
import { Rng } from '../../src/util/rng';
import { runCli } from './run_cli';

let tmp = '';
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-cli-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const commands: Array<[string, () => Command]> = [
  ['train', trainCommand],
  ['eval', evalCommand],
  ['predict', predictCommand],
  ['bench', benchCommand],
  ['demo', demoCommand],
  ['demo-context', demoContextCommand],
  ['classify', classifyCommand],
  ['pack', packCommand],
  ['plot', plotCommand],
];

test('--help of the program and of every command exits 0 and mentions every option', async () => {
  const [main, ...subs] = await Promise.all([
    runCli(['--help']),
    ...commands.map(([name]) => runCli([name, '--help'])),
  ]);
  assert.equal(main.code, 0, main.stderr);
  for (const [name] of commands) assert.match(main.stdout, new RegExp(`^  ${name}\\b`, 'm'), `program help lists ${name}`);
  commands.forEach(([name, build], i) => {
    const help = subs[i];
    assert.equal(help.code, 0, `${name} --help: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`Usage: guideseg ${name}`));
    const options = build().options;
    assert.ok(options.length > 0);
    for (const option of options) {
      assert.ok(help.stdout.includes(option.long!), `${name} --help should mention ${option.long}`);
    }
  });
});

test('bench rejects --per-worker without --workers, or with --batch-size, naming the options', async () => {
  const [alone, both] = await Promise.all([
    runCli(['bench', '--workload', 'train-step', '--per-worker', '2']),
    runCli(['bench', '--workload', 'train-step', '--workers', '1,2', '--per-worker', '2', '--batch-size', '4']),
  ]);
  assert.notEqual(alone.code, 0);
  assert.match(alone.stderr, /--per-worker needs --workers/);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /--per-worker <n>' cannot be used with option '--batch-size/);
});

test('train, eval and predict end to end on a tiny context model', async () => {
  const L = 8;
  const config = path.join(tmp, 'tiny.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      model: {
        preset: 'bench-vgg',
        numClasses: L,
        backbone: { width: 0.0625 },
        denseHead: { channels: 8, dilation: 2 },
        clsHead: { hidden: 8, poolSize: 2 },
      },
      data: { type: 'context', context: { trainSize: 8, valSize: 4, height: 32, width: 32 } },
      train: { iterations: 2, batchSize: 2, cropSize: [32, 32], checkpointInterval: 1 },
    }),
  );
  const workDir = path.join(tmp, 'run');

  // A typo in the config is refused with the field's name (checked alongside training, in parallel).
  const typo = path.join(tmp, 'typo.json');
  fs.writeFileSync(typo, JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), trian: {} }));
  const [trained, refused] = await Promise.all([
    runCli(['train', '-c', config, '-w', workDir, '--backend', 'cpu']),
    runCli(['train', '-c', typo, '-w', path.join(tmp, 'typo-run'), '--backend', 'cpu']),
  ]);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /model saved to/);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /trian/);
  assert.match(trained.stdout, /training curves: .*training\.md/);
  for (const file of ['config.json', 'metrics.jsonl', 'final/model.json', 'final/weights.bin', 'report/training.md', 'report/training.png', 'report/training.svg']) {
    assert.ok(fs.existsSync(path.join(workDir, file)), `${file} written`);
  }
  const iterations = fs
    .readFileSync(path.join(workDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).iteration);
  assert.deepEqual(iterations, [1, 2]);

  const image = path.join(tmp, 'input.png');
  const [width, height] = [23, 19];
  const rng = new Rng(9);
  await writeImagePng(image, Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)), width, height);
  const metricsFile = path.join(tmp, 'eval.json');
  const outDir = path.join(tmp, 'pred');
  const [evaluated, predicted] = await Promise.all([
    runCli(['eval', '-k', workDir, '--backend', 'cpu', '--limit', '2', '-o', metricsFile, '--report', path.join(tmp, 'eval-report')]),
    runCli(['predict', image, '-k', workDir, '-o', outDir, '--backend', 'cpu', '--scales', '1,0.8', '--flip']),
  ]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /mIoU \d+\.\d+/);
  const report = JSON.parse(fs.readFileSync(metricsFile, 'utf8'));
  assert.equal(report.confusion.numClasses, L);
  assert.equal(report.data.type, 'context', 'eval takes the data set from the run');
  assert.ok(report.metrics.mIoU >= 0 && report.metrics.mIoU <= 1);
  const md = fs.readFileSync(path.join(tmp, 'eval-report', 'eval.md'), 'utf8');
  assert.match(md, /!\[IoU per class\]\(per_class_iou\.png\)/);
  assert.match(md, /!\[Confusion matrix\]\(confusion\.png\)/);
  assert.ok(md.includes(`| **mean** | **${(100 * report.metrics.mIoU).toFixed(2)}**`), 'the report has the evaluated mIoU');
  for (const f of ['confusion.svg', 'confusion.png', 'per_class_iou.svg', 'per_class_iou.png']) assert.ok(fs.statSync(path.join(tmp, 'eval-report', f)).size > 500, f);

  assert.equal(predicted.code, 0, predicted.stderr);
  const labelFile = path.join(outDir, 'input.png');
  assert.ok(fs.existsSync(path.join(outDir, 'input_overlay.png')));
  const label = await readLabel(labelFile);
  assert.equal(label.width, width);
  assert.equal(label.height, height);
  assert.ok(label.data.every((v) => v < L), 'label ids are class ids');
});

test('train --resume on a missing or empty work dir says there is no run there', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-empty-'));
  try {
    for (const workDir of [dir, path.join(dir, 'missing')]) {
      const r = await runCli(['train', '--resume', '--work-dir', workDir]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /--resume: .* holds no run \(no config\.json\)/);
    }
    assert.deepEqual(fs.readdirSync(dir), [], 'nothing written');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
