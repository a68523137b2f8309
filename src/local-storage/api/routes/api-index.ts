// `GET /v2/storage` (contract §13.6): the API index, answered without a token (the Go SDK calls it
// before anything else; PHP adds a trailing slash). `exclude=components` drops the component list,
// which the stand-in has none of anyway; `services` and `features` are empty lists.
import type { Hono } from 'hono';
import { requestOrigin, sendJson } from '../../protocol/storage-response.js';

export function registerApiIndexRoute(app: Hono): void {
  // `/` is the mount path itself; the second pattern matches it with a trailing slash.
  app.on('GET', ['/', '/:trailingSlash{/?}'], (c) => {
    const exclude = new Set((c.req.query('exclude') ?? '').split(',').map((part) => part.trim()));
    return sendJson({
      api: 'storage',
      version: 'v2',
      revision: 'local',
      stack: new URL(requestOrigin(c)).host,
      documentation: 'https://keboola.docs.apiary.io/',
      ...(exclude.has('components') ? {} : { components: [] }),
      services: [],
      features: [],
      urlTemplates: {},
    });
  });
}
