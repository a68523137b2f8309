// The upload page in a real browser (Debian's chromium): a 20 MB CSV dropped on the page loads with
// a moving progress bar and the right row count; a bad tableId is shown on its field; Cancel
// mid-upload leaves no job. Also saves the screenshot the README shows (docs/upload-page.png).
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../src/local-storage/faults/fault-injector.js';
import { type LocalService, startLocalService } from '../support/local-service.js';
import { type ChromiumSession, startChromium } from './chromium-session.js';

const LINE_BYTES = 64;
const ROWS = (20 * 1024 * 1024) / LINE_BYTES; // 327,680 rows of 64 bytes: a 20 MiB file
/**
 * The cancelled upload's file: larger than all the importer and the kernel can take in while the
 * S3 parts stall (the part buffers, 15 MiB, plus loopback socket buffers of several MiB), so the
 * progress bar surely stops between 0 and 100 % (a 20 MiB file could be taken in whole).
 */
const CANCEL_ROWS = (64 * 1024 * 1024) / LINE_BYTES;

/** Builds a CSV of `rows` lines of exactly LINE_BYTES bytes in the page and drops it on the drop zone. */
async function dropCsv(page: Page, rows: number, name: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ rows, lineBytes, name }) => {
      const lines = ['id,name,padding'];
      for (let id = 1; id <= rows; id++) {
        const start = `${id},user-${id},`;
        lines.push(start + 'x'.repeat(lineBytes - start.length - 1));
      }
      const transfer = new DataTransfer();
      transfer.items.add(new File([`${lines.join('\n')}\n`], name, { type: 'text/csv' }));
      return transfer;
    },
    { rows, lineBytes: LINE_BYTES, name },
  );
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer });
}

/** Records every value the progress bar takes, from now on. */
async function recordProgress(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const bar = document.getElementById('upload-progress') as HTMLProgressElement;
    const seen: number[] = [];
    (window as unknown as { progressSeen: number[] }).progressSeen = seen;
    new MutationObserver(() => seen.push(bar.value)).observe(bar, { attributes: true });
  });
  return () => page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
}

function cspProblems(problems: string[]): string[] {
  return problems.filter((problem) => /Content Security Policy|pageerror/i.test(problem));
}

describe('upload page in chromium', () => {
  let service: LocalService;
  let browser: ChromiumSession;

  beforeAll(async () => {
    [service, browser] = await Promise.all([startLocalService(), startChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it('loads a dropped 20 MB CSV with a moving progress bar and shows the rows', async () => {
    const page = await browser.newPage();
    await page.goto(service.url);
    await expect.poll(() => page.inputValue('#token')).toBe(service.token);
    await page.fill('#tableId', 'in.c-browser.big');
    await dropCsv(page, ROWS, 'big.csv');
    await expect.poll(() => page.textContent('#file-summary')).toBe('big.csv, 20.0 MB');
    const progressSeen = await recordProgress(page);

    // Keyboard only: focus the button and press Enter.
    await page.focus('#submit');
    await page.keyboard.press('Enter');

    await page.waitForSelector('#result-rows', { timeout: 90_000 });
    expect(await page.textContent('#result-rows')).toBe(String(ROWS));
    expect(await page.textContent('#result-status')).toBe('success');
    expect(await page.textContent('#result-columns')).toBe('id, name, padding');
    expect(await page.textContent('#result-job')).toMatch(/^\d+ · tableCreate · success$/);
    const values = await progressSeen();
    expect(values.some((value) => value > 0 && value < 100)).toBe(true);
    expect(values.at(-1)).toBe(100);
    expect(await page.textContent('#upload-stats')).toMatch(/^20\.0 MB of 20\.0 MB · [0-9.]+ MB\/s · /);

    await expect.poll(() => page.locator('#preview-table tbody tr').count()).toBe(20);
    expect(await page.locator('#preview-table thead th').allTextContents()).toEqual([
      'id',
      'name',
      'padding',
    ]);
    expect((await service.getTable('in.c-browser.big')).rowsCount).toBe(ROWS);

    // The token is in session storage at most, never in a URL or the service's log.
    expect(page.url()).toBe(`${service.url}/`);
    expect(service.logs.some((line) => line.includes(service.token))).toBe(false);
    expect(cspProblems(browser.problems)).toEqual([]);

    await mkdir('docs', { recursive: true });
    await page.screenshot({ path: 'docs/upload-page.png', fullPage: true });
  });

  it('loads an NDJSON file chosen with the picker, incremental with a primary key', async () => {
    const page = await browser.newPage();
    await page.goto(service.url);
    await page.fill('#tableId', 'in.c-browser.events');
    await page.setInputFiles('#data', {
      name: 'events.ndjson',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from('{"id":1,"kind":"open"}\n{"id":2,"kind":"click"}\n{"id":3,"kind":"close"}\n'),
    });
    await page.check('#incremental');
    await page.fill('#primaryKey', 'id');
    await page.click('#submit');

    await page.waitForSelector('#result-rows');
    expect(await page.textContent('#result-rows')).toBe('3');
    expect(await page.textContent('#result-columns')).toBe('id, kind');
    await expect.poll(() => page.locator('#preview-table tbody tr').count()).toBe(3);
    expect(await service.getTable('in.c-browser.events')).toMatchObject({ primaryKey: ['id'], rowsCount: 3 });
  });

  it('shows a bad tableId as an error on the field', async () => {
    const page = await browser.newPage();
    await page.goto(service.url);
    await page.fill('#tableId', 'in.c-main');
    // A big file: the service refuses it by its fields while the browser is still sending it.
    await dropCsv(page, ROWS, 'big.csv');
    await page.click('#submit');

    await page.waitForSelector('#tableId[aria-invalid="true"]');
    expect(await page.textContent('#tableId-error')).toMatch(
      /^Invalid tableId "in\.c-main".*\(importer\.invalidTableId\)$/,
    );
    expect(await page.textContent('#error-code')).toBe('importer.invalidTableId');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tableId');
    expect(await page.isVisible('#result-section')).toBe(false);
  });

  it('is usable at 360 px: labelled controls, keyboard focus visible, no sideways scrolling', async () => {
    const page = await browser.newPage({ width: 360, height: 800 });
    await page.goto(service.url);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select')]
        .filter((control) => (control as HTMLInputElement).labels?.length === 0)
        .map((control) => control.id),
    );
    expect(unlabelled).toEqual([]);
    const focused: string[] = [];
    for (let step = 0; step < 7; step++) {
      await page.keyboard.press('Tab');
      const { id, outline } = await page.evaluate(() => {
        const active = document.activeElement as HTMLElement;
        return { id: active.id || active.tagName, outline: getComputedStyle(active).outlineStyle };
      });
      focused.push(id);
      expect(outline, `focus outline on #${id}`).not.toBe('none');
    }
    expect(focused).toEqual(['token', 'tableId', 'data', 'incremental', 'primaryKey', 'delimiter', 'submit']);
  });
});

describe('cancelling an upload in chromium', () => {
  let service: LocalService;
  let browser: ChromiumSession;

  beforeAll(async () => {
    // Slow S3 parts: the upload stalls mid-way, so Cancel surely comes before the body ends.
    const faults = createFaultInjector({
      rules: [{ target: 's3-part', fault: 'latency', rate: 1, latencyMs: 8_000 }],
    });
    [service, browser] = await Promise.all([startLocalService({}, { localFaults: faults }), startChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it('Cancel aborts the request and leaves no job', async () => {
    const page = await browser.newPage();
    await page.goto(service.url);
    await page.fill('#tableId', 'in.c-browser.cancelled');
    await dropCsv(page, CANCEL_ROWS, 'cancelled.csv');
    await page.click('#submit');
    await page.waitForFunction(() => {
      const bar = document.getElementById('upload-progress') as HTMLProgressElement;
      return bar.value > 0 && bar.value < 100;
    });
    await page.click('#cancel');

    await expect.poll(() => page.textContent('#job-phase')).toBe('Cancelled: nothing was imported.');
    // The service's request line comes once it has finished with the aborted request.
    await expect
      .poll(() => service.logs.some((line) => line.includes('"path":"/write-table"')), { timeout: 30_000 })
      .toBe(true);
    expect(await service.listJobs()).toEqual([]);
    expect((await service.storage('tables/in.c-browser.cancelled')).status).toBe(404);
    expect(await page.isVisible('#cancel')).toBe(false);
  });
});
