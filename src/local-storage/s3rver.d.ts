// The slice of s3rver 3.x (untyped CommonJS) the embedded S3 uses.
declare module 's3rver' {
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
    };
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
