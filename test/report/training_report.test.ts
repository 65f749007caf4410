import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetricsLog, writeTrainingReport } from '../../src/report/training_report';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-trainplot-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function run(name: string, lines: string[]): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join('\n'));
  return dir;
}

test('the training report draws the loss terms, lr and validation mIoU, and names the best validation', async () => {
  const lines: string[] = [];
  for (let i = 1; i <= 120; i++) {
    lines.push(JSON.stringify({ iteration: i, lr: 0.01 * (1 - i / 120), loss: 2 / i + 0.1, ce: 1 / i, cls: 1 / i + 0.1 }));
    if (i % 40 === 0) lines.push(JSON.stringify({ iteration: i, valMIoU: [0.3, 0.45, 0.41][i / 40 - 1], valImages: 5 }));
  }
  lines.push('{"iteration": 121, "lo'); // a torn last line, as a killed run leaves
  const dir = run('joint', lines);
  const md = fs.readFileSync(await writeTrainingReport(dir), 'utf8');
  assert.match(md, /120 iterations logged/);
  assert.match(md, /Best validation mIoU 45\.00 % at iteration 80 \(3 evaluations\)/);
  assert.match(md, /!\[Loss terms, learning rate and validation mIoU\]\(training\.png\)/);
  const svg = fs.readFileSync(path.join(dir, 'report', 'training.svg'), 'utf8');
  for (const name of ['loss (mean of 2 steps)', 'ce (mean of 2 steps)', 'cls (mean of 2 steps)', 'lr', 'val mIoU']) assert.ok(svg.includes(`>${name}<`), name);
  assert.ok(fs.statSync(path.join(dir, 'report', 'training.png')).size > 1000);
});

test('a baseline run draws ce alone; a log with a bad line inside or no step is an error naming the file', async () => {
  const dir = run('baseline', [1, 2, 3].map((i) => JSON.stringify({ iteration: i, lr: 0.01, loss: 1 / i, ce: 1 / i })));
  const md = fs.readFileSync(await writeTrainingReport(dir, path.join(tmp, 'elsewhere')), 'utf8');
  assert.match(md, /No validation during training/);
  const svg = fs.readFileSync(path.join(tmp, 'elsewhere', 'training.svg'), 'utf8');
  // One curve, ce (the total equals it without a cls term).
  assert.ok(svg.includes('>ce<') && !svg.includes('>cls<'));
  assert.equal(svg.match(/>loss</g)?.length, 1, 'loss only as the axis name');
  const bad = run('bad', ['{"iteration":1,"loss":1,"ce":1}', 'garbage', '{"iteration":2,"loss":1,"ce":1}']);
  assert.throws(() => readMetricsLog(path.join(bad, 'metrics.jsonl')), /metrics\.jsonl line 2: not JSON/);
  await assert.rejects(writeTrainingReport(run('empty', ['{"iteration":1,"valMIoU":0.2}'])), /no training step logged yet/);
  await assert.rejects(writeTrainingReport(path.join(tmp, 'nothing')), /no training log here/);
});
