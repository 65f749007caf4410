/**
 * The browser page in a real Chromium (Debian's `chromium`, driven by
 * puppeteer-core): it loads the shipped model, segments an uploaded CamVid val
 * image like the Node pipeline does, shows the model's g as bars, and refuses
 * a file that is not an image. Screenshots go to runs/web/. The test fails
 * (never skips) where the browser cannot start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import puppeteer from 'puppeteer-core';
import { load } from '../../src/api';
import { createWebServer } from '../../src/cli/web_command';
import { defaultCamvidRoot } from '../../src/data/datasets/camvid';
import { readImage } from '../../src/data/image_io';
import { packageRoot } from '../../src/util/package_root';

/** The installed Chromium (CHROMIUM_PATH overrides). */
function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`no Chromium at ${candidates.join(', ')}: install it (apt-get install chromium; .ci/run does)`);
  return found;
}

interface PageResult {
  width: number;
  height: number;
  labels: number[];
  globalScores: number[] | null;
  bars: number[];
}

test('the page segments a CamVid val image as the Node pipeline does, shows g, and refuses a non-image', { timeout: 300_000 }, async () => {
  const server = createWebServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const shots = path.join(packageRoot(), 'runs', 'web');
  fs.mkdirSync(shots, { recursive: true });
  const browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 180_000 });
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated');

    const imageFile = path.join(defaultCamvidRoot(), 'val', '0016E5_07959.png');
    const input = (await page.$('#file')) as import('puppeteer-core').ElementHandle<HTMLInputElement> | null;
    await input!.uploadFile(imageFile);
    await page.waitForSelector('body[data-state="done"]', { timeout: 180_000 });
    const shown = (await page.evaluate(() => (window as unknown as { guidesegResult: unknown }).guidesegResult)) as PageResult;
    await page.screenshot({ path: path.join(shots, 'laptop.png'), fullPage: true });
    // The same at a phone's width.
    const phone = await browser.newPage();
    await phone.setViewport({ width: 390, height: 844, isMobile: true, deviceScaleFactor: 2 });
    await phone.goto(url);
    await phone.waitForSelector('body[data-state="ready"]', { timeout: 180_000 });
    await ((await phone.$('#file')) as import('puppeteer-core').ElementHandle<HTMLInputElement>).uploadFile(imageFile);
    await phone.waitForSelector('body[data-state="done"]', { timeout: 180_000 });
    await phone.screenshot({ path: path.join(shots, 'phone.png'), fullPage: true });
    await phone.close();

    // The Node pipeline on the same image with the page's default settings (one candidate at the stored scale, stored CRF).
    const image = await readImage(imageFile);
    const segmenter = await load(undefined, { threads: 1 });
    try {
      const node = await segmenter.segment({ data: image.data, width: image.width, height: image.height });
      assert.equal(shown.width, image.width);
      assert.equal(shown.height, image.height);
      let same = 0;
      for (let i = 0; i < node.labels.length; i++) if (node.labels[i] === shown.labels[i]) same++;
      const agreement = same / node.labels.length;
      assert.ok(agreement >= 0.995, `page and Node label maps agree on ${(100 * agreement).toFixed(3)} % of pixels`);
      // The bars are sigmoid of the model's g.
      const g = Array.from(node.globalScores!);
      shown.bars.forEach((b, l) => assert.ok(Math.abs(b - 1 / (1 + Math.exp(-g[l]))) < 1e-3, `bar ${l}: ${b} vs g ${g[l]}`));
      fs.writeFileSync(path.join(shots, 'agreement.txt'), `${(100 * agreement).toFixed(4)} % of pixels agree\n`);
    } finally {
      segmenter.dispose();
    }

    // Settings apply live: the 6 candidates with the learned combination, CRF off.
    await page.select('#candidates', 'six');
    await page.waitForFunction(() => (window as unknown as { guidesegResult: { pipeline: { combine: string } } }).guidesegResult.pipeline.combine === 'learned', { timeout: 180_000 });
    await page.waitForSelector('body[data-state="done"]', { timeout: 180_000 });
    await page.click('#crf');
    await page.waitForFunction(() => (window as unknown as { guidesegResult: { pipeline: { crf: unknown } } }).guidesegResult.pipeline.crf === null, { timeout: 180_000 });
    const six = (await page.evaluate(() => (window as unknown as { guidesegResult: { pipeline: { scales: number[]; flip: boolean } } }).guidesegResult.pipeline)) as { scales: number[]; flip: boolean };
    assert.deepEqual(six.scales, [2, 1.5, 1]);
    assert.equal(six.flip, true);
    await page.screenshot({ path: path.join(shots, 'six-candidates-no-crf.png'), fullPage: true });

    // A file that is not an image gets the message, and the result stays.
    const notImage = path.join(os.tmpdir(), 'guideseg-not-an-image.txt');
    fs.writeFileSync(notImage, 'hello');
    await ((await page.$('#file')) as import('puppeteer-core').ElementHandle<HTMLInputElement>).uploadFile(notImage);
    await page.waitForSelector('body[data-state="rejected"]', { timeout: 30_000 });
    const text = await page.$eval('#message', (el) => (el as HTMLElement).hidden ? '' : el.textContent ?? '');
    assert.match(text, /is not an image/);
    await page.screenshot({ path: path.join(shots, 'not-an-image.png') });
    assert.deepEqual(errors, [], 'no page errors');
  } finally {
    await browser.close();
    server.close();
  }
});
