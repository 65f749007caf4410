// Builds the browser page into dist/web: the page's bundle (esbuild), its
// HTML/CSS, onnxruntime-web's wasm files, and the shipped model for the web
// (model.json + its network exported to model.onnx, re-exported only when the
// model changed). Runs after tsc (the export uses the compiled CLI).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'web');
const page = path.join(root, 'src', 'web', 'page');
fs.mkdirSync(path.join(out, 'ort'), { recursive: true });
fs.mkdirSync(path.join(out, 'model'), { recursive: true });

await build({
  entryPoints: [path.join(page, 'main.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  // The wasm-only build of onnxruntime-web (no WebGPU): it loads ort-wasm-simd-threaded.{mjs,wasm}.
  alias: { 'onnxruntime-web': 'onnxruntime-web/wasm' },
});
for (const name of ['index.html', 'style.css']) fs.copyFileSync(path.join(page, name), path.join(out, name));
const ortDist = path.join(root, 'node_modules', 'onnxruntime-web', 'dist');
for (const name of fs.readdirSync(ortDist)) {
  if (/^ort-wasm-simd-threaded\.(wasm|mjs)$/.test(name)) fs.copyFileSync(path.join(ortDist, name), path.join(out, 'ort', name));
}

const modelDir = path.join(root, 'models', 'camvid-edgetpu-aspp');
const onnx = path.join(out, 'model', 'model.onnx');
const newest = Math.max(...['model.json', 'weights.bin'].map((f) => fs.statSync(path.join(modelDir, f)).mtimeMs));
if (!fs.existsSync(onnx) || fs.statSync(onnx).mtimeMs < newest) {
  execFileSync(process.execPath, [path.join(root, 'dist', 'src', 'cli', 'main.js'), 'export', '-k', modelDir, '-o', onnx], { stdio: 'inherit' });
}
// The page reads the topology and the stored settings; the weights manifest stays behind.
const modelJson = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
const { modelTopology, userDefinedMetadata } = modelJson;
fs.writeFileSync(path.join(out, 'model', 'model.json'), JSON.stringify({ modelTopology, userDefinedMetadata }));
for (const name of ['NOTICE.md', 'LICENSE-pretrained-weights.txt']) fs.copyFileSync(path.join(modelDir, name), path.join(out, 'model', name));
