// The Hono environment type shared by the importer's routes: Node bindings plus request-scoped facts.
import type { HttpBindings } from '@hono/node-server';

/** Per-request facts the request log line prints; handlers fill in what they learn. */
export interface RequestFacts {
  tableId?: string;
  fileId?: number;
  jobId?: number;
  bytes?: number;
  outcome?: string;
  errorCode?: string;
  /** 5xx only: the error's message, which names an upstream failure's cause. */
  errorMessage?: string;
}

export type AppEnv = {
  Bindings: HttpBindings;
  Variables: {
    facts: RequestFacts;
    requestId: string;
    /** Set by a handler whose response streams on: the request log waits for it before its line. */
    responseDone?: Promise<void>;
  };
};
