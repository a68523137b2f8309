// What an error answer may echo: every caller- or Storage-supplied value cut to a sane length, the
// whole message capped, and any token the request offered blanked out. Applied where errors are
// rendered, so no layer below can leak a 20 MB column name or a token quoted by a foreign error.
import { redactSecrets } from '../redact-secrets.js';

/** Longest string value echoed in an error's details. */
export const MAX_ECHOED_VALUE_CHARS = 200;
/** Longest error message. */
export const MAX_MESSAGE_CHARS = 4096;
const MAX_ECHOED_ITEMS = 100;
const MAX_ECHOED_DEPTH = 6;

export function capText(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

/** Every offered token (whatever its length) and any signature or bearer value, blanked. */
export function redact(text: string, secrets: readonly string[]): string {
  return redactSecrets(text, secrets, 1);
}

/** A message as it may be answered: secrets blanked first (a cut could split one), then capped. */
export function echoMessage(message: string, secrets: readonly string[]): string {
  return capText(redact(message, secrets), MAX_MESSAGE_CHARS);
}

/** A details value as it may be answered: strings capped and redacted, containers bounded. */
export function echoValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return capText(redact(value, secrets), MAX_ECHOED_VALUE_CHARS);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_ECHOED_DEPTH) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ECHOED_ITEMS).map((item) => echoValue(item, secrets, depth + 1));
    return value.length > MAX_ECHOED_ITEMS ? [...items, '…'] : items;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const echoed: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, MAX_ECHOED_ITEMS)) {
    echoed[capText(redact(key, secrets), MAX_ECHOED_VALUE_CHARS)] = echoValue(item, secrets, depth + 1);
  }
  return echoed;
}
