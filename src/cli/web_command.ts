/** `guideseg web`: serves the browser page (dist/web) with the headers wasm threads need. */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Command } from 'commander';
import sirv from 'sirv';
import { packageRoot, positiveInt } from './common';

/** The built page's folder. */
export function webRoot(): string {
  return path.join(packageRoot(), 'dist', 'web');
}

/**
 * A static server of the built page only (no path outside it), with COOP/COEP
 * so the page is cross-origin isolated and onnxruntime-web may use threads.
 */
export function createWebServer(root: string = webRoot()): http.Server {
  if (!fs.existsSync(path.join(root, 'index.html'))) throw new Error(`${root}: no built page (run npm run build)`);
  const serve = sirv(root, {
    etag: true,
    setHeaders: (res) => {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    },
  });
  return http.createServer((req, res) =>
    serve(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    }),
  );
}

export function webCommand(): Command {
  return new Command('web')
    .description('Serve the browser page (the shipped CamVid model, segmentation in the page) from the built dist/web folder.')
    .option('--port <n>', 'port', positiveInt, 8080)
    .option('--host <address>', 'address to listen on (default: this machine only)', '127.0.0.1')
    .action(async (o: { port: number; host: string }) => {
      const server = createWebServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(o.port, o.host, () => resolve());
      });
      process.stdout.write(`guideseg page: http://${o.host === '0.0.0.0' ? 'localhost' : o.host}:${o.port}/ (Ctrl-C stops)\n`);
    });
}
