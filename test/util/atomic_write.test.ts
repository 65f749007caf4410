/** One atomic single-file write: whole new contents or the old file, no temporary file left, errors naming the file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkOutputFile, writeFileAtomic, writeFileAtomicSync } from '../../src/util/atomic_write';

test('writeFileAtomic(Sync) creates the folder, replaces the file, leaves no temporary file, and names the file on error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-atomic-'));
  try {
    const file = path.join(dir, 'sub', 'a.json');
    writeFileAtomicSync(file, '{"v":1}');
    assert.equal(fs.readFileSync(file, 'utf8'), '{"v":1}');
    await writeFileAtomic(file, Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...fs.readFileSync(file)], [1, 2, 3]);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'sub')), ['a.json'], 'no temporary file left');
    // A folder in the way: the rename fails; the error names the file and nothing is left behind.
    const blocked = path.join(dir, 'blocked');
    fs.mkdirSync(path.join(blocked, 'inner'), { recursive: true });
    assert.throws(() => writeFileAtomicSync(blocked, 'x'), new RegExp(`cannot write ${blocked}`));
    await assert.rejects(writeFileAtomic(blocked, 'x'), new RegExp(`cannot write ${blocked}`));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['blocked', 'sub']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('checkOutputFile refuses a folder or a path under a file before any work, naming the option', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-out-'));
  try {
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    assert.throws(() => checkOutputFile(dir, '--out'), /--out .*: is a folder; give a file name/);
    assert.throws(() => checkOutputFile(path.join(dir, 'f', 'x.json'), '--out'), /is a file, not a folder/);
    assert.doesNotThrow(() => checkOutputFile(path.join(dir, 'new', 'x.json'), '--out'));
    assert.doesNotThrow(() => checkOutputFile(path.join(dir, 'f'), '--out'), 'an existing file is replaced atomically');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
