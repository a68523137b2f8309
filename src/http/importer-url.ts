// URLs of the importer itself that it hands out (the Location of a 202): absolute from the
// configured PUBLIC_URL, else relative to the request. Never built from the Host header or
// X-Forwarded-* headers, which any client can set (Host: evil.example would redirect the poller).

export function importerUrl(publicUrl: string | undefined, path: string): string {
  return publicUrl ? `${publicUrl}${path}` : path;
}
