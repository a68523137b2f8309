// Names why a call to an upstream (Storage API, S3) failed, from the error's cause chain: DNS
// (ENOTFOUND host), refused or reset connections, TLS certificate problems, timeouts, S3's status
// and code. Only codes, hosts, ports and the library's own short messages: never a URL's query,
// header, token, signature or credential.

const CERT_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  hostname?: unknown;
  address?: unknown;
  port?: unknown;
  cause?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  Code?: unknown;
}

/** The innermost errors of `err` (following `cause` and AggregateError's `errors`), outermost first. */
function chainOf(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  const visit = (value: unknown, depth: number) => {
    if (!value || typeof value !== 'object' || depth > 8 || chain.includes(value as ErrorLike)) return;
    const error = value as ErrorLike;
    chain.push(error);
    if (Array.isArray(error.errors)) for (const inner of error.errors) visit(inner, depth + 1);
    visit(error.cause, depth + 1);
  };
  visit(err, 0);
  return chain;
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** One short sentence naming the cause, e.g. "DNS lookup failed for storage.example (ENOTFOUND)". */
export function describeCause(err: unknown, options: { timeoutMs?: number } = {}): string {
  const chain = chainOf(err);
  for (const error of chain) {
    const code = text(error.code);
    const host = text(error.hostname);
    const where = text(error.address) ? `${error.address}${error.port ? `:${error.port}` : ''}` : host;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return `DNS lookup failed for ${host ?? 'the host'} (${code})`;
    if (code === 'ECONNREFUSED') return `connection refused by ${where ?? 'the host'} (ECONNREFUSED)`;
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET')
      return `the connection was closed by ${where ?? 'the other side'} (${code})`;
    if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
      return `connecting to ${where ?? 'the host'} timed out (${code})`;
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
      return `${where ?? 'the host'} is unreachable (${code})`;
    if (code && CERT_CODES.test(code)) {
      return `TLS certificate error: ${code}${text(error.message) ? ` (${shorten(text(error.message) ?? '')})` : ''}`;
    }
  }
  for (const error of chain) {
    if (error.name === 'TimeoutError') {
      return options.timeoutMs !== undefined
        ? `no answer within ${options.timeoutMs} ms (timeout)`
        : 'timed out';
    }
  }
  const s3 = chain.find((error) => typeof error.$metadata?.httpStatusCode === 'number');
  if (s3) {
    const code = text(s3.Code) ?? text(s3.name) ?? 'error';
    return `S3 answered HTTP ${s3.$metadata?.httpStatusCode} ${code}${text(s3.message) ? `: ${shorten(text(s3.message) ?? '')}` : ''}`;
  }
  const innermost = chain[chain.length - 1];
  const code = text(innermost?.code);
  const message = text(innermost?.message) ?? String(err);
  return `${shorten(message)}${code && !message.includes(code) ? ` (${code})` : ''}`;
}

/** Messages are kept short, and anything that looks like a URL loses its query string. */
function shorten(message: string): string {
  const cleaned = message.replace(/(https?:\/\/[^\s?#]+)[?#]\S*/g, '$1');
  return cleaned.length > 200 ? `${cleaned.slice(0, 200)}…` : cleaned;
}
