// Builds the S3 client for one prepared Storage file: its region and temporary credentials, plus
// the endpoint override that local mode (the embedded S3) needs. Checksums only where S3 requires
// them: S3-compatible servers reject the SDK's default CRC32 trailers, and TLS already guards bytes.
import { S3Client } from '@aws-sdk/client-s3';
import type { StorageFile } from '../storage-api/storage-types.js';

/** Commands whose body is file data: the ones whose SigV4 payload hash costs a SHA-256 per byte. */
const DATA_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export interface S3Endpoint {
  endpoint: string | undefined;
  forcePathStyle: boolean;
}

export function createS3ClientFor(target: S3Endpoint) {
  return (file: StorageFile): S3Client => {
    const credentials = file.uploadParams?.credentials;
    const client = new S3Client({
      region: file.region ?? 'us-east-1',
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      forcePathStyle: target.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 4,
      ...(credentials
        ? {
            credentials: {
              accessKeyId: credentials.AccessKeyId,
              secretAccessKey: credentials.SecretAccessKey,
              sessionToken: credentials.SessionToken,
            },
          }
        : {}),
    });
    // The SDK SHA-256-hashes every Buffer body for SigV4 over HTTPS too (our parts are
    // Buffers): ~2 s of event-loop CPU per GiB (bench/). Where TLS already guards the bytes (or they
    // never leave the machine) the payload is sent as UNSIGNED-PAYLOAD, as botocore does over HTTPS;
    // plain HTTP to another host keeps the signed hash.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as {
          protocol?: string;
          hostname?: string;
          headers?: Record<string, string>;
        };
        const guarded = request.protocol === 'https:' || LOOPBACK_HOSTS.has(request.hostname ?? '');
        if (guarded && request.headers && DATA_COMMANDS.has(context.commandName ?? '')) {
          request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        }
        return next(args);
      },
      { step: 'build', name: 'unsignedPayloadOverTls' },
    );
    return client;
  };
}
