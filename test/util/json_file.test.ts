import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileNamed, readJsonFile, readJsonFileSync } from '../../src/util/json_file';

test('JSON files: the value back, or an error naming the file and what it is', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-json-'));
  try {
    const good = path.join(dir, 'good.json');
    const bad = path.join(dir, 'bad.json');
    const missing = path.join(dir, 'missing.json');
    fs.writeFileSync(good, '{"a": [1, 2]}');
    fs.writeFileSync(bad, '{"a": ');
    assert.deepEqual(readJsonFileSync(good, 'config file'), { a: [1, 2] });
    assert.deepEqual(await readJsonFile(good, 'config file'), { a: [1, 2] });
    assert.throws(() => readJsonFileSync(bad, 'run state'), (e: Error) => e.message.startsWith(`${bad}: corrupt run state (invalid JSON`));
    await assert.rejects(readJsonFile(bad, 'run state'), (e: Error) => e.message.startsWith(`${bad}: corrupt run state (invalid JSON`));
    assert.throws(() => readJsonFileSync(missing, 'model description'), { message: `${missing}: missing model description` });
    await assert.rejects(readFileNamed(missing, 'weights file'), { message: `${missing}: missing weights file` });
    await assert.rejects(readJsonFile(dir, 'model description'), (e: Error) => e.message.startsWith(`${dir}: cannot read model description:`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
