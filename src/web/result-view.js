// Renders the outcome of an upload: the result summary (rows, columns, timings, job), the first
// rows of the table (GET /tables/{id}/preview with the caller's token), and errors with their code,
// the offending form field marked invalid. Text only: nothing from an answer becomes HTML.

const FIELD_OF_CODE = {
  'importer.tokenMissing': 'token',
  'storage.tokenInvalid': 'token',
  'importer.invalidTableId': 'tableId',
  'importer.missingData': 'data',
  'importer.emptyData': 'data',
  'importer.fileTooLarge': 'data',
  'importer.invalidPrimaryKey': 'primaryKey',
  'importer.invalidDialect': 'delimiter',
};
const FORM_FIELDS = ['token', 'tableId', 'data', 'incremental', 'primaryKey', 'delimiter'];
export const PREVIEW_ROWS = 20;

const byId = (id) => document.getElementById(id);

export function clearErrors() {
  for (const name of FORM_FIELDS) {
    byId(name)?.removeAttribute('aria-invalid');
    const message = byId(`${name}-error`);
    if (message) {
      message.hidden = true;
      message.textContent = '';
    }
  }
  byId('drop-zone').classList.remove('invalid');
  byId('error-section').hidden = true;
}

/** Shows the error; returns the form field it was about (focused), if any. */
export function showError(body) {
  const code = String(body.code ?? 'unknown');
  const message = String(body.error ?? 'Something went wrong.');
  byId('error-code').textContent = code;
  byId('error-message').textContent = message;
  byId('error-section').hidden = false;
  const field =
    typeof body.field === 'string' && FORM_FIELDS.includes(body.field) ? body.field : FIELD_OF_CODE[code];
  if (field) markField(field, `${message} (${code})`);
  return field;
}

export function markField(field, message) {
  const input = byId(field);
  const error = byId(`${field}-error`);
  input.setAttribute('aria-invalid', 'true');
  if (field === 'data') byId('drop-zone').classList.add('invalid');
  error.textContent = message;
  error.hidden = false;
  input.focus();
}

export function showResult(body) {
  const summary = byId('result-summary');
  summary.replaceChildren();
  const add = (term, value, id) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    if (id) dd.id = id;
    summary.append(dt, dd);
  };
  const job = body.job ?? {};
  const timings = body.timings ?? {};
  add('Status', String(body.status), 'result-status');
  add('Table', `${body.tableId}${body.tableCreated ? ' (created)' : ''}`, 'result-table');
  if (typeof body.totalRowsCount === 'number')
    add('Rows in the table', String(body.totalRowsCount), 'result-rows');
  if (Array.isArray(body.importedColumns))
    add(`Columns (${body.importedColumns.length})`, body.importedColumns.join(', '), 'result-columns');
  add('Load', body.incremental ? 'incremental (appended)' : 'full (rows replaced)');
  if (job.id !== undefined)
    add('Job', `${job.id} · ${job.operationName ?? ''} · ${job.status ?? ''}`, 'result-job');
  if (timings.totalMs !== undefined)
    add('Timings', `upload ${timings.uploadMs} ms · job ${timings.jobMs} ms · total ${timings.totalMs} ms`);
  if (Array.isArray(body.warnings) && body.warnings.length > 0)
    add('Warnings', body.warnings.map((w) => (typeof w === 'string' ? w : JSON.stringify(w))).join('; '));
  byId('result-section').hidden = false;
  byId('preview-table').replaceChildren();
  byId('preview-status').textContent = '';
}

export async function showPreview(token, tableId) {
  const status = byId('preview-status');
  status.textContent = 'Loading the first rows…';
  let response;
  try {
    response = await fetch(`/tables/${encodeURIComponent(tableId)}/preview?limit=${PREVIEW_ROWS}`, {
      headers: { 'X-StorageApi-Token': token, Accept: 'application/json' },
    });
  } catch {
    status.textContent = 'The preview failed: the service could not be reached.';
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    status.textContent = `The preview failed: ${body.error ?? response.status} (${body.code ?? 'unknown'})`;
    return;
  }
  const table = byId('preview-table');
  const head = document.createElement('thead');
  const headRow = document.createElement('tr');
  for (const column of body.columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = column;
    headRow.append(th);
  }
  head.append(headRow);
  const rows = document.createElement('tbody');
  for (const row of body.rows) {
    const tr = document.createElement('tr');
    for (const value of row) {
      const td = document.createElement('td');
      if (value === null) {
        td.className = 'null';
        td.textContent = 'null';
      } else td.textContent = value;
      tr.append(td);
    }
    rows.append(tr);
  }
  table.replaceChildren(head, rows);
  status.textContent = `${body.rows.length} rows shown (Storage returns rows in no particular order).`;
}
