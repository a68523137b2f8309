// Request builders for write-table tests: multipart and raw bodies over real sockets (fetch).
export function multipart(
  fields: Array<[string, string]>,
  data?: Buffer | string,
  fileName = 'data.csv',
): FormData {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  if (data !== undefined) form.append('data', new Blob([data]), fileName);
  return form;
}

export async function writeTable(
  url: string,
  token: string | undefined,
  body: FormData | Buffer | string,
  options: { query?: Record<string, string>; method?: 'POST' | 'PUT'; headers?: Record<string, string> } = {},
): Promise<{
  status: number;
  body: Record<string, unknown> & { code?: string; status?: string };
  headers: Headers;
}> {
  const query = options.query ? `?${new URLSearchParams(options.query)}` : '';
  const headers: Record<string, string> = {
    ...(token ? { 'X-StorageApi-Token': token } : {}),
    ...options.headers,
  };
  if (!(body instanceof FormData) && !headers['Content-Type']) headers['Content-Type'] = 'text/csv';
  const response = await fetch(`${url}/write-table${query}`, {
    method: options.method ?? 'POST',
    headers,
    body: body as RequestInit['body'],
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}
