// `Expect: 100-continue` answered only after admission: Node would send "100 Continue" before any
// route ran, inviting the client to send its whole body to a request about to be refused (bad
// token, content type, fields in the query, a full house). The upload routes answer it themselves
// once their checks passed and they start reading; every other route gets it at once, as before.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Routes that read their body themselves and send the 100 through sendContinue(). */
const DEFERRING_PATHS = new Set(['/write-table', '/upload-file']);

const continued = new WeakSet<IncomingMessage>();

/** Installs the server's 'checkContinue' handler (with one, Node sends no 100 by itself). */
export function deferContinue(server: Server): void {
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (!DEFERRING_PATHS.has(path)) {
      continued.add(request);
      response.writeContinue();
    }
    server.emit('request', request, response);
  });
}

/** Sends "100 Continue" when the client asked for it and nothing was sent yet. */
export function sendContinue(request: IncomingMessage, response: ServerResponse | undefined): void {
  if (!response || continued.has(request) || response.headersSent) return;
  if (!/^\s*100-continue\s*$/i.test(request.headers.expect ?? '')) return;
  continued.add(request);
  response.writeContinue();
}
