// Removes upload secrets from text that may reach a log or an error body: SAS signatures
// (`sig=`), bearer tokens, and any exact secret value the caller knows (a GCS token, a SAS).
const SAS_SIGNATURE = /(\bsig=)[^&;\s"'<>]+/gi;
const BEARER = /(\bBearer\s+)[^\s"',;]+/gi;

export const REDACTED = '[redacted]';

export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length >= 8) redacted = redacted.split(secret).join(REDACTED);
  }
  return redacted.replace(SAS_SIGNATURE, `$1${REDACTED}`).replace(BEARER, `$1${REDACTED}`);
}
