// Requests Node's HTTP parser rejects before any route sees them (oversized or malformed headers,
// bad chunked framing, conflicting lengths, header timeout) get the same JSON error body as every
// other failure, instead of Node's bodiless default; the connection is then closed.
import type { Duplex } from 'node:stream';
import { IMPORTER_ERRORS, type ImporterErrorCode } from '../errors.js';

const ANSWERS: Record<string, [reason: string, code: ImporterErrorCode, message: string]> = {
  HPE_HEADER_OVERFLOW: [
    'Request Header Fields Too Large',
    'importer.headersTooLarge',
    'The request headers are too large.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    'Request Timeout',
    'importer.requestTimeout',
    'The request headers did not arrive in time.',
  ],
};
const MALFORMED: [reason: string, code: ImporterErrorCode, message: string] = [
  'Bad Request',
  'importer.malformedRequest',
  'The request is not valid HTTP/1.1.',
];

/** For `server.on('clientError', …)`. Answers only when nothing was written on the socket yet. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
  if (err.code === 'ECONNRESET' || !socket.writable || written > 0) {
    socket.destroy();
    return;
  }
  const [reason, code, message] = ANSWERS[err.code ?? ''] ?? MALFORMED;
  const status = IMPORTER_ERRORS[code];
  const body = `${JSON.stringify({ status: 'error', error: message, code })}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
