// Shared set-up of MX Lab's browser end-to-end suite: a static server for the
// built site on loopback (under a sub-path, as on any static host), and
// Debian's Chromium driven by playwright-core.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { before, after } from 'node:test';
import { mkdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The sub-path the site is served from, to prove its URLs are relative. */
export const SUB_PATH = '/courses/smtp/mxlab/';

/** Serves `siteDir` under SUB_PATH on 127.0.0.1; resolves to { url, close }. */
export async function serveSite(siteDir = process.env.MXLAB_SITE ?? 'dist') {
  const root = resolve(siteDir);
  await stat(join(root, 'index.html')).catch(() => {
    throw new Error(`no built site in ${root}: run \`cargo xtask dist\` first`);
  });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith(SUB_PATH)) {
      res.writeHead(404).end('not under the sub-path');
      return;
    }
    let rel = decodeURIComponent(url.pathname.slice(SUB_PATH.length)) || 'index.html';
    const file = normalize(join(root, rel));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      // As a CDN would: pages of other origins load the package's module.
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'access-control-allow-origin': '*',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${SUB_PATH}`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Launches Debian's Chromium headless with the suite's flags. */
export async function launchBrowser() {
  const executablePath = process.env.MXLAB_CHROMIUM ?? '/usr/bin/chromium';
  const args = (process.env.MXLAB_CHROMIUM_ARGS ??
    '--no-sandbox --disable-gpu --disable-dev-shm-usage --disable-quic --disable-background-networking --disable-component-update --disable-sync --no-first-run')
    .split(' ')
    .filter((a) => a && !a.startsWith('--headless'));
  return chromium.launch({ executablePath, args, headless: true });
}

/**
 * Whether `req` is a request of an iframe that was aborted: the iframe went
 * away while it loaded (the share dialog's live preview, closed at once),
 * which is no problem of the page. A subframe's request that fails for any
 * other reason, and any request of the page itself, still counts.
 */
function abortedInSubframe(page, req) {
  return req.failure()?.errorText === 'net::ERR_ABORTED' && req.frame() !== page.mainFrame();
}

/**
 * Opens `url` in a new page and records every console error, page error and
 * failed request, so a test can assert that none happened.
 */
export async function openPage(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    if (!abortedInSubframe(page, req)) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  await page.goto(url);
  return { page, problems };
}

/**
 * Opens a documentation page of another origin than the site's (a server
 * of its own on another port), whose HTML is `html`, recording problems as
 * {@link openPage} does. The server stops when the page closes.
 */
export async function openDocsPage(browser, html, viewport = { width: 1280, height: 800 }) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const page = await browser.newPage({ viewport });
  page.on('close', () => server.close());
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  await page.goto(`http://localhost:${server.address().port}/guide/smtp.html`);
  return { page, problems };
}

/**
 * For the tests of one file: serves the site and launches Chromium before
 * them, closes both after. Returns `{ site, browser }`, filled in by then.
 */
export function siteAndBrowser() {
  const ctx = {};
  before(async () => {
    ctx.site = await serveSite();
    ctx.browser = await launchBrowser();
    await mkdir('target/e2e', { recursive: true });
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.site?.close();
  });
  return ctx;
}

/**
 * Opens the app at `url` (at `viewport`, if given), waits for its first run,
 * then opens preset `name` (if given) and waits for its run.
 */
export async function openPreset(browser, url, name, viewport) {
  const { page, problems } = await openPage(browser, url);
  if (viewport) await page.setViewportSize(viewport);
  await runDone(page, 0);
  if (name) {
    const n = await runs(page);
    await page.selectOption('#preset', name);
    await runDone(page, n);
  }
  return { page, problems };
}

/** How many runs the instance at `root` has computed. */
export const runs = (page, root = 'body') =>
  page.evaluate((r) => Number(document.querySelector(r)?.dataset.mxlabRuns ?? 0), root);

/** Waits until the instance at `root` has computed more than `before` runs and is idle. */
export async function runDone(page, before, root = 'body') {
  await page.waitForFunction(
    ([n, r]) => {
      const el = document.querySelector(r);
      return Number(el?.dataset.mxlabRuns ?? 0) > n && el?.dataset.mxlabState === 'ready';
    },
    [before, root],
    { timeout: 30000 },
  );
}

/**
 * Opens panel `name` by its tab and waits until it is drawn: the tab is
 * selected and no part of the app is still loading (a panel in a module of
 * its own shows "Loading the … panel" until its module arrives).
 */
export async function openTab(page, name) {
  await page.click(`[role=tab]:has-text("${name}")`);
  await page.waitForFunction((n) => {
    const tab = [...document.querySelectorAll('[role=tab]')].find((t) => t.textContent.includes(n));
    return tab?.getAttribute('aria-selected') === 'true' && !document.querySelector('.part-state');
  }, name);
}
