import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { dataCommand } from '../../src/cli/data_command';
import { ade20kFixture, cityscapesFixture, vocFixture } from '../data/datasets/fixtures';
import { runCli } from './run_cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-datacheck-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

test('data check --help mentions every option', async () => {
  const r = await runCli(['data', 'check', '--help']);
  assert.equal(r.code, 0, r.stderr);
  const check = dataCommand().commands.find((c) => c.name() === 'check')!;
  for (const o of check.options) assert.ok(r.stdout.includes(o.long!), o.long!);
});

test('data check on good fixtures of each published layout: exit 0, counts, and a report with its pictures', async () => {
  const cases = [
    { type: 'cityscapes', root: path.join(tmp, 'cs'), make: (root: string) => cityscapesFixture(root, 'val'), split: 'val' },
    { type: 'ade20k', root: path.join(tmp, 'ade'), make: (root: string) => ade20kFixture(root, 'validation'), split: 'val' },
    { type: 'voc', root: path.join(tmp, 'voc'), make: (root: string) => vocFixture(root, 'val'), split: 'val' },
  ];
  for (const c of cases) await c.make(c.root);
  const runs = await Promise.all(cases.map((c) => runCli(['data', 'check', c.type, '--root', c.root, '--split', c.split, '-o', path.join(tmp, `report-${c.type}`)])));
  runs.forEach((r, i) => {
    const c = cases[i];
    assert.equal(r.code, 0, `${c.type}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`${c.type}/${c.split} .*: 6 pairs listed, 6 read, 0 bad`));
    assert.match(r.stdout, /image sizes \(HxW\): \d+x\d+ \(\d+\)/);
    const dir = path.join(tmp, `report-${c.type}`);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'data_check.json'), 'utf8'));
    assert.equal(json.stats.images, 6);
    const md = fs.readFileSync(path.join(dir, 'data_check.md'), 'utf8');
    for (const png of ['class_pixels.png', 'class_presence.png', 'cooccurrence.png']) {
      assert.ok(md.includes(`](${png})`), `${c.type}: report links ${png}`);
      assert.ok(fs.existsSync(path.join(dir, png.replace('.png', '.svg'))));
    }
  });
  // The 150-class co-occurrence heat map is drawn whole (labels as ids).
  const meta = await sharp(path.join(tmp, 'report-ade20k', 'cooccurrence.png')).metadata();
  assert.ok(meta.width! > 1000 && meta.height! > 1000);
});

test('data check on broken fixtures: every bad pair listed with its file, exit 1, in one pass', async () => {
  const root = path.join(tmp, 'cs-broken');
  const fx = await cityscapesFixture(root, 'train', { broken: true, count: 7 });
  const r = await runCli(['data', 'check', 'cityscapes', '--root', root]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /7 pairs listed, 3 read, 4 bad/);
  fx.pairs.forEach((p, index) => {
    if (!p.broken) return;
    const line = r.stdout.split('\n').find((l) => l.startsWith(`  sample ${index} (${p.name}):`));
    assert.ok(line, `sample ${index} listed`);
    assert.ok(line!.includes(p.broken), `${line} says ${p.broken}`);
    assert.ok(line!.includes(p.name), 'names the file');
  });
});

test('data check refuses a bad data set name, a missing folder, bad --options and an --out that is a file', async () => {
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, 'x');
  const [type, folder, options, optionValue, out] = await Promise.all([
    runCli(['data', 'check', 'kitti', '--root', tmp]),
    runCli(['data', 'check', 'ade20k', '--root', path.join(tmp, 'nope')]),
    runCli(['data', 'check', 'cityscapes', '--root', tmp, '--options', '{labels']),
    runCli(['data', 'check', 'cityscapes', '--root', tmp, '--options', '{"labels":"ids"}']),
    runCli(['data', 'check', 'voc', '--root', tmp, '-o', file]),
  ]);
  assert.match(type.stderr, /unknown data.type 'kitti'; known types: .*ade20k.*cityscapes/);
  assert.match(folder.stderr, /data.root of the ade20k data set not found: .*nope/);
  assert.match(options.stderr, /--options: not JSON/);
  assert.match(out.stderr, /-o|--out .*a-file: is a file/);
  assert.match(optionValue.stderr, /data.cityscapes.labels: Invalid option/);
  for (const r of [type, folder, options, optionValue, out]) assert.equal(r.code, 1);
});
