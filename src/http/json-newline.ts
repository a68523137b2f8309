// Ends every JSON answer of the importer with a newline, so a shell prompt does not stick to curl's
// output. Only whole JSON bodies: progress streams (application/x-ndjson) end each line themselves.
// The Storage stand-in's paths are left as Storage answers them.
import type { MiddlewareHandler } from 'hono';

export function jsonNewline(options: { exceptPaths?: string[] } = {}): MiddlewareHandler {
  const excepted = options.exceptPaths ?? [];
  return async (c, next) => {
    await next();
    if (excepted.some((prefix) => c.req.path === prefix || c.req.path.startsWith(`${prefix}/`))) return;
    const type = c.res.headers.get('content-type') ?? '';
    if (!/^application\/json\b/i.test(type) || c.res.body === null) return;
    const text = await c.res.text();
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    const { status, statusText } = c.res;
    // Cleared first: assigning over a response would copy its headers (a stale Content-Length) back.
    c.res = undefined;
    c.res = new Response(text.endsWith('\n') ? text : `${text}\n`, { status, statusText, headers });
  };
}
