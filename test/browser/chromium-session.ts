// Debian's chromium driven by playwright-core (Playwright's own browser download cannot work here):
// a fresh profile per session, headless, no background network. Records CSP violations and page
// errors so tests can assert there were none.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumSession {
  context: BrowserContext;
  /** A new tab; its console errors and page errors are collected in `problems`. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  problems: string[];
  close(): Promise<void>;
}

export async function startChromium(): Promise<ChromiumSession> {
  // launchPersistentContext is Playwright's way to pass --user-data-dir (a fresh one here).
  const userDataDir = await mkdtemp(join(tmpdir(), 'importer-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 900, height: 1000 },
  });
  const problems: string[] = [];
  return {
    context,
    problems,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      return page;
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
