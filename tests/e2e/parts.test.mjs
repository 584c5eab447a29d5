// The app's parts in Chromium: the panels that live in WebAssembly modules
// of their own (split_<panel>.wasm, and chunk_<n>.wasm pieces they share).
// The first page loads the main module and the engine's part (the
// simulation, split_engine.wasm and the chunks it needs, fetched as the
// page starts), and shows its run before any other part is fetched; the
// panels' parts follow in the background, so a panel opened later is
// drawn at once. A part that cannot be fetched says so in its panel, the
// rest of the page keeps working, and "Try again" loads it once it can be
// fetched (as does opening the panel again). An embed fetches no part it
// does not show: the engine's alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser, openPage, runDone } from './harness.mjs';

const ctx = siteAndBrowser();

const PART = /\/(split_[a-z]+|chunk_\d+)\.wasm$/;

/** When (performance.now()) the page's first run was ready, and the parts it fetched, with when each began. */
async function timings(page) {
  return page.evaluate(() => ({
    ready: window.__firstRunReady,
    parts: performance
      .getEntriesByType('resource')
      .filter((e) => /\/(split_[a-z]+|chunk_\d+)\.wasm$/.test(new URL(e.name).pathname))
      .map((e) => ({ name: new URL(e.name).pathname.split('/').pop(), start: e.startTime })),
  }));
}

/**
 * The files of the engine's part, as the site's loader (`__wasm_split.js`,
 * beside the part in the app's folder) lists them: split_engine.wasm and
 * the chunks its loader fetches with it.
 */
async function engineFiles(page) {
  return page.evaluate(async () => {
    const engine = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/split_engine.wasm'));
    if (!engine) return [];
    const loader = await (await fetch(new URL('__wasm_split.js', engine.name))).text();
    const deps = loader.match(/__wasm_split_load_engine[\s\S]*?,\s*\[([^\]]*)\]\)\);/);
    const chunks = (deps?.[1] ?? '').split(',').map((d) => d.trim().replace(/^__/, '')).filter(Boolean);
    return ['split_engine.wasm', ...chunks.map((c) => `${c}.wasm`)];
  });
}

/** Notes in the page when its first run is ready (the app marks <body>). */
const markFirstRun = () => {
  const observer = new MutationObserver(() => {
    if (document.body?.dataset.mxlabState === 'ready' && Number(document.body.dataset.mxlabRuns ?? 0) > 0) {
      window.__firstRunReady ??= performance.now();
    }
  });
  document.addEventListener('DOMContentLoaded', () =>
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-mxlab-state', 'data-mxlab-runs'] }),
  );
};

test('the first run shows before any part but the engine is fetched; the parts follow, and a panel opened then is drawn at once', async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 1366, height: 800 } });
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript(markFirstRun);
  await page.goto(ctx.site.url);
  await runDone(page, 0);
  // Every panel's part arrives in the background (the Sweep panel's last).
  await page.waitForFunction(() =>
    performance.getEntriesByType('resource').some((e) => e.name.endsWith('/split_sweep.wasm') && e.responseEnd > 0),
  );
  const { ready, parts } = await timings(page);
  assert.ok(typeof ready === 'number', 'the first run was seen ready');
  const names = parts.map((p) => p.name);
  for (const panel of ['events', 'queues', 'ladder', 'messages', 'statistics', 'scenario', 'console', 'share', 'help', 'sweep']) {
    assert.ok(names.includes(`split_${panel}.wasm`), `split_${panel}.wasm fetched: ${names}`);
  }
  const engine = await engineFiles(page);
  assert.ok(engine.length > 1, `the engine's part and its chunks: ${engine}`);
  const early = parts.filter((p) => p.start < ready).map((p) => p.name);
  assert.ok(early.includes('split_engine.wasm'), 'the engine is fetched for the first run');
  assert.deepEqual(
    early.filter((name) => !engine.includes(name)),
    [],
    'no part but the engine is fetched before the first run is shown',
  );

  // Opened now, a panel never shows that it is loading.
  for (const [tab, selector] of [
    ['Statistics', '.statistics'],
    ['Ladder', '.ladder-panel, .ladder-pane .hint, .hint'],
    ['Scenario', '.scenario-panel'],
  ]) {
    await page.click(`[role=tab]:has-text("${tab}")`);
    await page.waitForSelector(selector);
    assert.equal(await page.locator('.part-state').count(), 0, `${tab}: no loading state`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('a part that cannot be fetched says so, the page keeps working, and "Try again" loads it', async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 1366, height: 800 } });
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  // The Statistics panel's module is out of reach (the connection dropped).
  await page.route('**/split_statistics.wasm', (route) => route.abort('internetdisconnected'));
  await page.goto(ctx.site.url);
  await runDone(page, 0);
  await page.click('[role=tab]:has-text("Statistics")');
  const alert = page.locator('.part-state[role=alert]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /The Statistics panel could not be loaded/);

  // The rest of the page works: another panel, and stepping the run.
  await page.click('[role=tab]:has-text("Events")');
  await page.waitForSelector('.events');
  const clock = () => page.getAttribute('.transport .clock', 'data-micros').then(Number);
  const before = await clock();
  await page.click('.transport button[aria-label^="Next event"]');
  await page.waitForFunction((b) => Number(document.querySelector('.transport .clock').dataset.micros) > b, before);

  // Back on the panel, it is still out of reach, and says so again.
  await page.click('[role=tab]:has-text("Statistics")');
  await alert.waitFor();
  // Reachable again: "Try again" loads the panel.
  await page.unroute('**/split_statistics.wasm');
  await page.click('.part-state button:has-text("Try again")');
  await page.waitForSelector('.statistics');
  assert.equal(await page.locator('.part-state').count(), 0);
  // The only errors are those of the failed fetch.
  for (const p of problems) assert.match(p, /Failed to fetch|split_statistics|ERR_INTERNET_DISCONNECTED/, p);
  assert.ok(problems.length > 0, 'the failed fetch was reported in the console');
  await page.close();
});

test('an embed fetches no part it does not show: the engine, no panel', async () => {
  const { page, problems } = await openPage(ctx.browser, `${ctx.site.url}embed.html`);
  const fetched = [];
  page.on('request', (r) => PART.test(new URL(r.url()).pathname) && fetched.push(r.url()));
  await runDone(page, 0);
  // Longer than the app waits before it fetches its parts.
  await page.waitForTimeout(2500);
  const { parts } = await timings(page);
  const engine = await engineFiles(page);
  assert.ok(engine.includes('split_engine.wasm'));
  assert.deepEqual(parts.map((p) => p.name).sort(), [...engine].sort(), 'the engine, and nothing else');
  assert.equal(fetched.length, engine.length);
  assert.deepEqual(problems, []);
  await page.close();
});

test('mail authentication is fetched only for a scenario that uses it, and its run waits until it can be', async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 1366, height: 800 } });
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  // Out of reach at first (and the background prefetch cannot fetch it either).
  await page.route('**/split_auth.wasm', (route) => route.abort('internetdisconnected'));
  await page.goto(ctx.site.url);
  await runDone(page, 0);
  const runs = () => page.evaluate(() => Number(document.body.dataset.mxlabRuns));
  const n = await runs();
  await page.selectOption('#preset', 'dmarc-spoofing');
  // The run waits for the module: no new run while it cannot be fetched.
  await page.waitForTimeout(4000);
  assert.equal(await runs(), n, 'no run without the authentication module');
  // Reachable again: the run is computed, with its verdicts.
  await page.unroute('**/split_auth.wasm');
  await runDone(page, n);
  const max = await page.getAttribute('input[aria-label="Timeline"]', 'max');
  await page.fill('input[aria-label="Timeline"]', max);
  await page.click('[role=tab]:has-text("Events")');
  await page.waitForSelector('.events');
  for (const p of problems) assert.match(p, /Failed to fetch|split_auth|ERR_INTERNET_DISCONNECTED/, p);
  assert.ok(problems.length > 0, 'the failed fetch was reported in the console');
  await page.close();
});

test('an edit drawn before the writer can be fetched says so; drawn once it can be, it is made', async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 1366, height: 800 } });
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  // The writer (which applies drawn edits) is out of reach, and so is
  // the background prefetch of it.
  await page.route('**/split_writer.wasm', (route) => route.abort('internetdisconnected'));
  await page.goto(ctx.site.url);
  await runDone(page, 0);
  const hosts = () => page.$$eval('g.host[data-host]', (els) => els.length);
  const before = await hosts();
  const place = async () => {
    await page.click('.palette button.role[data-role="relay"]');
    const box = await page.locator('.mxlab-stage svg').boundingBox();
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.2);
  };
  await place();
  const banner = page.locator('.banner-text', { hasText: 'the drawing could not be changed' });
  await banner.waitFor();
  assert.equal(await hosts(), before, 'nothing was added');
  // Reachable again: the same edit is made.
  await page.unroute('**/split_writer.wasm');
  await page.click('.banner button.dismiss');
  await place();
  await page.waitForFunction((n) => document.querySelectorAll('g.host[data-host]').length === n + 1, before);
  for (const p of problems) assert.match(p, /Failed to fetch|split_writer|ERR_INTERNET_DISCONNECTED/, p);
  await page.close();
});
