// The upload page's wiring: the token (session storage at most, never in a URL), tableId
// suggestions from GET /tables, the file by picker or drag and drop, and one upload at a time with
// its progress, result and errors (upload-request.js, result-view.js).
import { clearErrors, markField, showError, showPreview, showResult } from './result-view.js';
import { formatBytes, formatSeconds, sendUpload, uploadStats } from './upload-request.js';

const TOKEN_KEY = 'table-importer.token';
const byId = (id) => document.getElementById(id);

const form = byId('upload-form');
const tokenInput = byId('token');
const tableInput = byId('tableId');
const fileInput = byId('data');
const dropZone = byId('drop-zone');
const submitButton = byId('submit');
const cancelButton = byId('cancel');
const progressBar = byId('upload-progress');
const uploadStatsText = byId('upload-stats');
const jobPhase = byId('job-phase');

let chosenFile;
let running;

tokenInput.value =
  sessionStorage.getItem(TOKEN_KEY) ?? document.querySelector('meta[name="local-token"]')?.content ?? '';
tokenInput.addEventListener('input', () => {
  sessionStorage.setItem(TOKEN_KEY, tokenInput.value);
  scheduleSuggestions();
});
loadSuggestions();

fileInput.addEventListener('change', () => chooseFile(fileInput.files?.[0]));
for (const type of ['dragenter', 'dragover']) {
  dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  });
}
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('dragging');
  const files = event.dataTransfer?.files;
  if (!files?.[0]) return;
  // The picker shows the dropped file's name too (and keeps it when the form is used again).
  fileInput.files = files;
  chooseFile(files[0]);
});
// A file dropped next to the zone must not make the browser navigate away from the page.
for (const type of ['dragover', 'drop']) window.addEventListener(type, (event) => event.preventDefault());

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!running) void upload();
});
cancelButton.addEventListener('click', () => running?.cancel());

function chooseFile(file) {
  chosenFile = file;
  byId('file-summary').textContent = file ? `${file.name}, ${formatBytes(file.size)}` : 'No file chosen.';
  byId('data').removeAttribute('aria-invalid');
  dropZone.classList.remove('invalid');
  byId('data-error').hidden = true;
}

async function upload() {
  clearErrors();
  byId('result-section').hidden = true;
  const token = tokenInput.value.trim();
  const tableId = tableInput.value.trim();
  if (token === '') return markField('token', 'Enter your Storage API token.');
  if (tableId === '') return markField('tableId', 'Enter the table ID, e.g. in.c-main.users.');
  if (!chosenFile) return markField('data', 'Choose a file or drop one on the area above.');

  const fields = [
    ['tableId', tableId],
    ['incremental', byId('incremental').checked ? '1' : '0'],
  ];
  const primaryKey = byId('primaryKey').value.trim();
  if (primaryKey !== '') fields.push(['primaryKey', primaryKey]);
  const json = jsonTypeOf(chosenFile.name);
  let request;
  if (json) {
    // JSON and NDJSON go as a raw body (their content type says the format), the fields in the query.
    const headers = { 'Content-Type': json.contentType };
    if (json.gzip) headers['Content-Encoding'] = 'gzip';
    request = { query: new URLSearchParams(fields), body: chosenFile, headers };
  } else {
    // A CSV (plain or gzip) as a multipart form, fields before the file: they are checked before the
    // upload finishes.
    const delimiter = byId('delimiter').value;
    if (delimiter !== '') fields.push(['delimiter', delimiter]);
    const form = new FormData();
    for (const [name, value] of fields) form.append(name, value);
    form.append('data', chosenFile, chosenFile.name);
    request = { body: form };
  }

  const startedAt = performance.now();
  let stage = 'upload';
  setRunning(true);
  showProgress(0, chosenFile.size, 0);
  jobPhase.textContent = 'Uploading…';
  running = sendUpload({
    ...request,
    token,
    onUpload: ({ loaded, total }) =>
      showProgress(loaded, total || chosenFile.size, performance.now() - startedAt),
    onUploadDone: () => {
      progressBar.value = 100;
      jobPhase.textContent = 'Upload sent; the service is storing the file…';
    },
    onEvent: (event) => {
      if (event.event === 'uploaded') stage = 'stored';
      if (event.event === 'uploaded')
        jobPhase.textContent = `File stored (${formatBytes(Number(event.bytes))}); starting the import job…`;
      if (event.event === 'job') {
        stage = 'job';
        jobPhase.textContent = `Import job ${event.id}: ${event.status}`;
      }
    },
  });
  const outcome = await running.done;
  running = undefined;
  setRunning(false);
  if (outcome.kind === 'cancelled') {
    jobPhase.textContent = {
      upload: 'Cancelled: nothing was imported.',
      stored: 'Cancelled after the file was stored: the import may have started; check the table.',
      job: 'Stopped waiting. The import job had already started and runs on in Storage.',
    }[stage];
    return;
  }
  if (outcome.kind === 'error') {
    jobPhase.textContent = 'Failed.';
    showError(outcome.body);
    if (outcome.body.code === 'storage.tokenInvalid') scheduleSuggestions();
    return;
  }
  jobPhase.textContent =
    outcome.body.status === 'success' ? 'Done.' : `Job ${outcome.body.status}; it runs on in Storage.`;
  showResult(outcome.body);
  if (outcome.body.status === 'success') {
    await showPreview(token, tableId);
    loadSuggestions();
  }
}

/** JSON / NDJSON by the file name (`.json`, `.ndjson`, `.jsonl`, each also `.gz`); undefined: a CSV. */
function jsonTypeOf(fileName) {
  const match = /\.(json|ndjson|jsonl)(\.gz)?$/i.exec(fileName);
  if (!match) return undefined;
  const contentType = match[1].toLowerCase() === 'json' ? 'application/json' : 'application/x-ndjson';
  return { contentType, gzip: match[2] !== undefined };
}

function setRunning(on) {
  submitButton.disabled = on;
  cancelButton.hidden = !on;
  if (on) {
    byId('progress-section').hidden = false;
    cancelButton.focus();
  } else submitButton.focus();
}

function showProgress(loaded, total, elapsedMs) {
  progressBar.value = total > 0 ? Math.min(100, (loaded / total) * 100) : 0;
  const { bytesPerSecond, secondsLeft } = uploadStats(loaded, total, elapsedMs);
  uploadStatsText.textContent = `${formatBytes(loaded)} of ${formatBytes(total)} · ${(bytesPerSecond / 1e6).toFixed(1)} MB/s · ${formatSeconds(secondsLeft)} left`;
}

let suggestionTimer;
function scheduleSuggestions() {
  clearTimeout(suggestionTimer);
  suggestionTimer = setTimeout(loadSuggestions, 400);
}

/** The caller's tables and buckets as tableId suggestions; a rejected token is said on its field. */
async function loadSuggestions() {
  const token = tokenInput.value.trim();
  const list = byId('table-suggestions');
  if (token === '') return list.replaceChildren();
  let response;
  try {
    response = await fetch('/tables', {
      headers: { 'X-StorageApi-Token': token, Accept: 'application/json' },
    });
  } catch {
    return;
  }
  if (token !== tokenInput.value.trim()) return;
  const body = await response.json().catch(() => ({}));
  const tokenError = byId('token-error');
  if (!response.ok) {
    if (response.status === 401) {
      tokenError.textContent = `${body.error ?? 'The token was rejected.'} (${body.code ?? response.status})`;
      tokenError.hidden = false;
      tokenInput.setAttribute('aria-invalid', 'true');
    }
    return;
  }
  tokenError.hidden = true;
  tokenInput.removeAttribute('aria-invalid');
  const options = [...body.tables.map((table) => table.id), ...body.buckets.map((bucket) => `${bucket.id}.`)];
  list.replaceChildren(
    ...options.map((value) => {
      const option = document.createElement('option');
      option.value = value;
      return option;
    }),
  );
}
