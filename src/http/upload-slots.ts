// Caps concurrent uploads (each holds up to partBytes × (queueSize + 1) of memory). Beyond the
// cap a request is refused at once with 503 + Retry-After rather than queued.
import { AppError } from '../errors.js';

export interface UploadSlots {
  /** Returns a release function; throws AppError(503) when every slot is taken. */
  acquire(): () => void;
  readonly inUse: number;
}

export function createUploadSlots(max: number, retryAfterSeconds = 5): UploadSlots {
  let inUse = 0;
  return {
    acquire() {
      if (inUse >= max) {
        throw new AppError(
          503,
          'importer.atCapacity',
          `The importer is handling ${max} uploads; retry shortly.`,
          {
            retryAfterSeconds,
          },
        );
      }
      inUse += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse -= 1;
      };
    },
    get inUse() {
      return inUse;
    },
  };
}
