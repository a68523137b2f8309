// Removes secrets from text that may reach a log or an error body: SAS signatures (`sig=`),
// bearer tokens, and any exact secret value the caller knows (an offered Storage token, a GCS
// token, a SAS). Shared by the importer's error rendering and the file stores.
const SAS_SIGNATURE = /(\bsig=)[^&;\s"'<>]+/gi;
const BEARER = /(\bBearer\s+)[^\s"',;]+/gi;

export const REDACTED = '[redacted]';

/** `minSecretLength`: shorter exact values are left (a 3-character value would blank every match). */
export function redactSecrets(text: string, secrets: readonly string[] = [], minSecretLength = 8): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length >= minSecretLength && redacted.includes(secret))
      redacted = redacted.split(secret).join(REDACTED);
  }
  return redacted.replace(SAS_SIGNATURE, `$1${REDACTED}`).replace(BEARER, `$1${REDACTED}`);
}
