/** Reading JSON files with errors that name the file and what it was meant to be. */
import * as fs from 'node:fs';

function parseNamed(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: corrupt ${what} (invalid JSON: ${(err as Error).message})`);
  }
}

function readError(err: unknown, file: string, what: string): Error {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Error(`${file}: missing ${what}`);
  return new Error(`${file}: cannot read ${what}: ${(err as Error).message}`);
}

/** Reads a file, with an error naming it (and what it is) when absent or unreadable. */
export async function readFileNamed(file: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fs.promises.readFile(file));
  } catch (err) {
    throw readError(err, file, what);
  }
}

/** Reads and parses a JSON file; errors name the file and `what` it is. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  return parseNamed(Buffer.from(await readFileNamed(file, what)).toString('utf8'), file, what);
}

/** Synchronous {@link readJsonFile}. */
export function readJsonFileSync(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw readError(err, file, what);
  }
  return parseNamed(text, file, what);
}
