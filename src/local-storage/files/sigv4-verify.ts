// AWS Signature Version 4 checking for the embedded S3's gate: an `Authorization` header or a
// presigned query, canonicalised the way S3 clients sign (path as sent, RFC 3986 query). Knows no
// credentials: the caller supplies the secret for the access key id (and session token) it found.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Clock skew S3 tolerates between x-amz-date and its own clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_EXPIRES_SECONDS = 7 * 24 * 3600;

export interface IncomingSigned {
  method: string;
  /** Path and query exactly as received (`req.url`). */
  url: string;
  /** Node's `req.rawHeaders`: name, value, name, value… */
  rawHeaders: readonly string[];
}

export interface ParsedSignature {
  accessKeyId: string;
  sessionToken: string | undefined;
  scope: { date: string; region: string; service: string };
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  payloadHash: string;
  presigned: boolean;
  expiresSeconds: number | undefined;
}

export class SignatureError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

const malformed = (message: string) => new SignatureError(400, 'AuthorizationHeaderMalformed', message);

export function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(rawHeaders[index + 1] ?? '');
    headers.set(name, values);
  }
  return headers;
}

/** The request's signature fields; undefined when it carries none (an anonymous request). */
export function parseSignature(request: IncomingSigned): ParsedSignature | undefined {
  const headers = headerValues(request.rawHeaders);
  const query = parseQuery(request.url);
  const authorization = headers.get('authorization');
  const presigned = query.some(([key]) => key === 'X-Amz-Algorithm');
  if (authorization && presigned) {
    throw new SignatureError(400, 'InvalidArgument', 'Only one auth mechanism allowed.');
  }
  if (authorization) {
    if (authorization.length !== 1) throw malformed('More than one Authorization header.');
    const value = authorization[0] ?? '';
    const match = /^AWS4-HMAC-SHA256 (.+)$/.exec(value);
    if (!match?.[1]) {
      throw new SignatureError(400, 'InvalidArgument', 'Only AWS4-HMAC-SHA256 signatures are accepted.');
    }
    const fields = new Map<string, string>();
    for (const part of match[1].split(',')) {
      const at = part.indexOf('=');
      if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
    }
    const payloadHash = single(headers, 'x-amz-content-sha256');
    if (!payloadHash) {
      throw new SignatureError(400, 'InvalidRequest', 'Missing required header: x-amz-content-sha256.');
    }
    return build({
      credential: fields.get('Credential'),
      signedHeaders: fields.get('SignedHeaders'),
      signature: fields.get('Signature'),
      amzDate: single(headers, 'x-amz-date'),
      sessionToken: single(headers, 'x-amz-security-token'),
      payloadHash,
      presigned: false,
      expires: undefined,
    });
  }
  if (presigned) {
    const get = (key: string) => query.find(([name]) => name === key)?.[1];
    if (get('X-Amz-Algorithm') !== ALGORITHM) {
      throw new SignatureError(
        400,
        'AuthorizationQueryParametersError',
        `X-Amz-Algorithm must be ${ALGORITHM}.`,
      );
    }
    return build({
      credential: get('X-Amz-Credential'),
      signedHeaders: get('X-Amz-SignedHeaders'),
      signature: get('X-Amz-Signature'),
      amzDate: get('X-Amz-Date'),
      sessionToken: get('X-Amz-Security-Token'),
      payloadHash: 'UNSIGNED-PAYLOAD',
      presigned: true,
      expires: get('X-Amz-Expires'),
    });
  }
  return undefined;
}

function build(fields: {
  credential: string | undefined;
  signedHeaders: string | undefined;
  signature: string | undefined;
  amzDate: string | undefined;
  sessionToken: string | undefined;
  payloadHash: string;
  presigned: boolean;
  expires: string | undefined;
}): ParsedSignature {
  const credential = fields.credential?.split('/') ?? [];
  const [accessKeyId, date, region, service, terminator] = credential;
  if (
    credential.length !== 5 ||
    !accessKeyId ||
    !date ||
    !region ||
    service !== 's3' ||
    terminator !== 'aws4_request'
  ) {
    throw malformed('The Credential is malformed.');
  }
  if (!fields.signedHeaders || !fields.signature || !/^[0-9a-f]{64}$/.test(fields.signature)) {
    throw malformed('The SignedHeaders or Signature is missing or malformed.');
  }
  if (!fields.amzDate || !/^\d{8}T\d{6}Z$/.test(fields.amzDate) || !fields.amzDate.startsWith(date)) {
    throw malformed('x-amz-date is missing or does not match the credential date.');
  }
  const signedHeaders = fields.signedHeaders.split(';');
  if (!signedHeaders.includes('host')) throw malformed('The host header must be signed.');
  let expiresSeconds: number | undefined;
  if (fields.presigned) {
    expiresSeconds = Number(fields.expires);
    if (
      !Number.isSafeInteger(expiresSeconds) ||
      expiresSeconds < 1 ||
      expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS
    ) {
      throw new SignatureError(
        400,
        'AuthorizationQueryParametersError',
        'X-Amz-Expires is missing or out of range.',
      );
    }
  }
  return {
    accessKeyId,
    sessionToken: fields.sessionToken,
    scope: { date, region, service },
    signedHeaders,
    signature: fields.signature,
    amzDate: fields.amzDate,
    payloadHash: fields.payloadHash,
    presigned: fields.presigned,
    expiresSeconds,
  };
}

/** Throws SignatureError unless `parsed` is a valid, current signature of `request` with `secret`. */
export function verifySignature(
  request: IncomingSigned,
  parsed: ParsedSignature,
  secretAccessKey: string,
  now: Date,
): void {
  const signedAt = parseAmzDate(parsed.amzDate);
  if (parsed.presigned) {
    const expiresAt = signedAt + (parsed.expiresSeconds ?? 0) * 1000;
    if (signedAt - now.getTime() > MAX_SKEW_MS || now.getTime() > expiresAt) {
      throw new SignatureError(403, 'AccessDenied', 'Request has expired.');
    }
  } else if (Math.abs(now.getTime() - signedAt) > MAX_SKEW_MS) {
    throw new SignatureError(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    );
  }
  const expected = Buffer.from(computeSignature(request, parsed, secretAccessKey));
  const given = Buffer.from(parsed.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new SignatureError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
  }
}

function computeSignature(request: IncomingSigned, parsed: ParsedSignature, secret: string): string {
  const headers = headerValues(request.rawHeaders);
  const canonicalHeaders = parsed.signedHeaders.map((name) => {
    const values = headers.get(name);
    if (values === undefined) throw malformed(`The signed header ${name} is missing.`);
    return `${name}:${values.map((value) => value.trim().replace(/\s+/g, ' ')).join(',')}\n`;
  });
  const query = parseQuery(request.url)
    .filter(([key]) => !(parsed.presigned && key === 'X-Amz-Signature'))
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const queryAt = request.url.indexOf('?');
  const path = (queryAt === -1 ? request.url : request.url.slice(0, queryAt)) || '/';
  const canonicalRequest = [
    request.method,
    path,
    query,
    canonicalHeaders.join(''),
    parsed.signedHeaders.join(';'),
    parsed.payloadHash,
  ].join('\n');
  const { date, region, service } = parsed.scope;
  const stringToSign = [
    ALGORITHM,
    parsed.amzDate,
    `${date}/${region}/${service}/aws4_request`,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  let key: Buffer = hmac(`AWS4${secret}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** Decoded query pairs in request order; a malformed escape is a malformed request. */
export function parseQuery(url: string): [string, string][] {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return [];
  const pairs: [string, string][] = [];
  for (const part of url.slice(queryAt + 1).split('&')) {
    if (part === '') continue;
    const at = part.indexOf('=');
    const rawKey = at === -1 ? part : part.slice(0, at);
    const rawValue = at === -1 ? '' : part.slice(at + 1);
    try {
      pairs.push([decodeURIComponent(rawKey), decodeURIComponent(rawValue)]);
    } catch {
      throw new SignatureError(400, 'InvalidArgument', 'The query string is not validly encoded.');
    }
  }
  return pairs;
}

function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function parseAmzDate(value: string): number {
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}T${value.slice(9, 11)}:${value.slice(11, 13)}:${value.slice(13, 15)}Z`;
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw malformed('x-amz-date is not a valid date.');
  return time;
}

function hmac(key: string | Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

function single(headers: Map<string, string[]>, name: string): string | undefined {
  return headers.get(name)?.[0];
}
