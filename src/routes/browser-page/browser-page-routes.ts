// The browser upload page and the two read-only routes it needs besides write-table: the caller's
// tables (suggestions) and a table's first rows (the result preview). All carry a strict CSP.
import type { Hono } from 'hono';
import type { AppEnv } from '../../http/app-env.js';
import type { StorageClient } from '../../storage-api/storage-client.js';
import { createListTablesHandler } from './list-tables.js';
import { pageSecurityHeaders } from './page-security-headers.js';
import { createStaticPage } from './static-page.js';
import { createTablePreviewHandler } from './table-preview.js';

export interface BrowserPageDeps {
  storage: StorageClient;
  /** Local mode only: prefilled in the page's token field. */
  localToken?: string | undefined;
}

export function mountBrowserPage(app: Hono<AppEnv>, deps: BrowserPageDeps): void {
  const page = createStaticPage({ localToken: deps.localToken });
  for (const path of ['/', '/ui/*', '/tables', '/tables/*']) app.use(path, pageSecurityHeaders());
  app.get('/', page.page);
  app.get('/ui/:asset', page.asset);
  app.get('/tables', createListTablesHandler(deps));
  app.get('/tables/:tableId/preview', createTablePreviewHandler(deps));
}
