// The slice of s3rver 3.x (untyped CommonJS) the embedded S3 uses.
declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';
  import type { Readable } from 'node:stream';

  interface S3rverOptions {
    address?: string;
    vhostBuckets?: boolean;
    port?: number;
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    configureBuckets?: { name: string; configs?: string[] }[];
  }

  /** An object read from the store: its content stream and metadata-derived size. */
  interface StoredObject {
    content: Readable | null;
    readonly size: number;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    /** s3rver's FilesystemStore; null for a missing key. */
    readonly store: {
      getObject(bucket: string, key: string): Promise<StoredObject | null>;
      getResourcePath(bucket: string, key: string, resource: 'object'): string;
      getResourcePath(bucket: string, key: undefined, resource: 'uploads'): string;
      /** Replaced by makeStoreWritesDurable (s3rver-durable-writes.ts). */
      putObject(object: {
        bucket: string;
        key: string;
        content: Readable | Buffer;
        metadata: Record<string, string>;
      }): Promise<{ size: number; md5: string }>;
      putPart(
        bucket: string,
        uploadId: string,
        partNumber: number,
        content: Readable,
      ): Promise<{ size: number; md5: string }>;
      putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
      deleteObject(bucket: string, key: string): Promise<void>;
    };
    run(): Promise<AddressInfo>;
    /** Creates the configured buckets (run() does this before listening). */
    configureBuckets(): Promise<unknown>;
    /** With a trailing callback: listens and returns the http.Server at once. */
    listen(port: number, host: string, onListening: () => void): Server;
    /** Koa's middleware list (the first one is s3rver's request logger). */
    readonly middleware: unknown[];
    /** The server close() closes; set by run(). */
    httpServer: Server | undefined;
    close(): Promise<void>;
  }
}
