// Serves the upload page (src/web, copied to dist/web by `npm run build`) from memory: a fixed list
// of files read once at start, so no request path ever reaches the file system. In local mode the
// page's <meta name="local-token"> carries the stand-in's token; in remote mode it stays empty.
import { readFileSync } from 'node:fs';
import type { Context } from 'hono';
import type { AppEnv } from '../../http/app-env.js';

const WEB_DIR = new URL('../../web/', import.meta.url);

const ASSETS: Record<string, string> = {
  'upload-page.css': 'text/css; charset=utf-8',
  'upload-page.js': 'text/javascript; charset=utf-8',
  'upload-request.js': 'text/javascript; charset=utf-8',
  'result-view.js': 'text/javascript; charset=utf-8',
};

export interface StaticPage {
  page(c: Context<AppEnv>): Response;
  asset(c: Context<AppEnv>): Response;
}

export function createStaticPage(options: { localToken?: string | undefined }): StaticPage {
  const html = readFileSync(new URL('index.html', WEB_DIR), 'utf8').replace(
    '<meta name="local-token" content="">',
    `<meta name="local-token" content="${escapeAttribute(options.localToken ?? '')}">`,
  );
  const assets = new Map(
    Object.entries(ASSETS).map(([name, type]) => [
      name,
      { type, body: readFileSync(new URL(name, WEB_DIR)) },
    ]),
  );
  return {
    page: (c) => {
      c.header('Cache-Control', 'no-store');
      return c.html(html);
    },
    asset: (c) => {
      const asset = assets.get(c.req.param('asset') ?? '');
      if (!asset) return c.notFound() as Response;
      c.header('Content-Type', asset.type);
      c.header('Cache-Control', 'no-cache');
      return c.body(new Uint8Array(asset.body));
    },
  };
}

function escapeAttribute(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}
