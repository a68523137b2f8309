// Caps concurrent uploads (each holds up to partBytes × (queueSize + 1) of memory). Beyond the
// cap a request is refused with 503 + Retry-After rather than queued: at the door when every slot
// is taken, and again when its data starts (the moment it takes a slot) if others took them meanwhile.
import { importerError } from '../errors.js';

export interface UploadSlots {
  /** Returns a release function; throws AppError(503) when every slot is taken. */
  acquire(): () => void;
  /** Throws AppError(503) when every slot is taken, without taking one. */
  check(): void;
  readonly inUse: number;
}

export function createUploadSlots(max: number, retryAfterSeconds = 5): UploadSlots {
  let inUse = 0;
  const check = () => {
    if (inUse >= max) {
      throw importerError('importer.atCapacity', `The importer is handling ${max} uploads; retry shortly.`, {
        retryAfterSeconds,
      });
    }
  };
  return {
    check,
    acquire() {
      check();
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
