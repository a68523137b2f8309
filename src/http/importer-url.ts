// Absolute URLs of the importer itself, as its caller reached it (e.g. the Location of a 202).
// Behind a TLS-terminating proxy (Fly) the scheme comes from X-Forwarded-Proto.
import type { Context } from 'hono';

export function importerUrl(c: Context, path: string): string {
  const url = new URL(c.req.url);
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const protocol = forwarded === 'https' || forwarded === 'http' ? `${forwarded}:` : url.protocol;
  return `${protocol}//${url.host}${path}`;
}
