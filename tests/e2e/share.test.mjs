// Sharing and embedding, in real Chromium against the built site served
// from a sub-path: a share link round trip, a damaged link, the embed view
// with each `view`, the iframe snippet from the share dialog inside a page
// of another origin, the docs page with simulators mounted by script, and
// the package's own example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { deflateRawSync } from 'node:zlib';
import { siteAndBrowser, openPage, runs, runDone, openTab } from './harness.mjs';

const ctx = siteAndBrowser();

const micros = (page, root = '') => page.getAttribute(`${root} .transport .clock`, 'data-micros').then(Number);

test('a share link restores the scenario, the moment, the host, the speed and the faults', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await runDone(page, 0);
  let n = await runs(page);
  await page.selectOption('#preset', 'mx-fallback');
  await runDone(page, n);
  // Change the scenario: rename it in the JSON editor.
  await openTab(page, 'Scenario');
  await page.click('.mode button:has-text("JSON")');
  const json = JSON.parse(await page.inputValue('#scenario-json'));
  json.name = 'Fallback, shared';
  await page.fill('#scenario-json', JSON.stringify(json));
  n = await runs(page);
  await page.click('button.apply');
  await runDone(page, n);
  // Inject a fault, move to a moment, pick a host and a speed.
  await page.fill('input[aria-label="Timeline"]', '20');
  await page.click('g.host[data-host="mx2.example.org"]');
  n = await runs(page);
  await page.click('.fault-menu button:has-text("Greylist")');
  await runDone(page, n);
  await page.fill('input[aria-label="Timeline"]', '60');
  await page.selectOption('select[aria-label=Speed]', '100');
  const state = {
    t: await micros(page),
    markers: await page.locator('.marker').count(),
    forks: await page.locator('.marker.fork').count(),
  };
  assert.equal(state.forks, 1);

  await page.click('button.share');
  const link = await page.inputValue('#share-link');
  assert.ok(link.startsWith(ctx.site.url) && link.includes('#v1.'), link);
  assert.ok(page.url().endsWith(link.slice(link.indexOf('#'))), 'the address bar shows the link');
  const snippet = await page.inputValue('#embed-code');
  assert.match(snippet, /^<iframe src="[^"]*embed\.html\?view=both&amp;autoplay=1&amp;scenario=v1\.[^"]+" title="MX Lab: Fallback, shared"/);

  const other = await openPage(ctx.browser, link);
  await runDone(other.page, 0);
  assert.equal(await other.page.textContent('.lesson h2'), 'Fallback, shared');
  assert.equal(await micros(other.page), state.t);
  assert.equal(await other.page.locator('.marker').count(), state.markers);
  assert.equal(await other.page.locator('.marker.fork').count(), 1);
  assert.equal(await other.page.inputValue('select[aria-label=Speed]'), '100');
  assert.ok(await other.page.isVisible('g.host.selected[data-host="mx2.example.org"]'));
  assert.deepEqual(other.problems, []);
  await other.page.close();
  assert.deepEqual(problems, []);
  await page.close();
});

test('a damaged or foreign link shows an error and opens the default scenario', async () => {
  // A real link, cut short as a mail program might.
  const { page } = await openPage(ctx.browser, ctx.site.url);
  await runDone(page, 0);
  await page.click('button.share');
  const link = await page.inputValue('#share-link');
  await page.close();
  // A deflate bomb: 64 MiB of spaces in 64 KiB.
  const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024, ' ')).toString('base64url');
  for (const bad of [link.slice(0, link.length - 40), `${ctx.site.url}#v1.AAAA`, `${ctx.site.url}#garbage`, `${ctx.site.url}#v7.abc`, `${ctx.site.url}#v1.${bomb}`]) {
    const { page, problems } = await openPage(ctx.browser, bad);
    await runDone(page, 0);
    const banner = await page.textContent('[role=alert]');
    assert.match(banner, /damaged|not an MX Lab share link|newer MX Lab/, bad);
    assert.match(banner, /default scenario/);
    assert.equal(await page.textContent('.lesson h2'), 'Hello SMTP');
    assert.ok((await page.locator('g.host').count()) > 0, 'the stage is drawn');
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('the embed view shows what `view` asks, plays on its own, and hides the chrome', async () => {
  for (const [view, stage, transcript] of [['network', true, false], ['transcript', false, true], ['both', true, true]]) {
    const { page, problems } = await openPage(ctx.browser, `${ctx.site.url}embed.html?scenario=mx-fallback&view=${view}&autoplay=1&speed=100`);
    await runDone(page, 0);
    assert.equal(await page.locator('header.mxlab-header').count(), 0, 'no header');
    assert.equal(await page.locator('[role=tablist]').count(), 0, 'no panel tabs');
    assert.equal(await page.locator('main.mxlab-stage svg').count(), stage ? 1 : 0, view);
    assert.equal(await page.locator('ol.transcript').count() > 0 || (await page.locator('.transcript-panel, .hint').count()) > 0, transcript, view);
    assert.equal(await page.textContent('.embed-bar h1'), 'MX fallback to a backup MX');
    await page.waitForFunction(() => Number(document.querySelector('.transport .clock').dataset.micros) > 0);
    if (transcript) {
      await page.waitForSelector('ol.transcript li');
    }
    await page.screenshot({ path: `target/e2e/embed-${view}.png` });
    assert.deepEqual(problems, []);
    await page.close();
  }
  // Narrow: the embed fits a small iframe.
  const { page } = await openPage(ctx.browser, `${ctx.site.url}embed.html?scenario=hello-smtp&view=both`);
  await page.setViewportSize({ width: 360, height: 640 });
  await runDone(page, 0);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 362, `no horizontal scrolling at 360 px: ${width}`);
  await page.close();
});

test('the embed code works in a page of another origin', async () => {
  const { page } = await openPage(ctx.browser, ctx.site.url);
  await runDone(page, 0);
  let n = await runs(page);
  await page.selectOption('#preset', 'greylisting');
  await runDone(page, n);
  await page.click('button.share');
  const snippet = await page.inputValue('#embed-code');
  await page.close();
  assert.match(snippet, /scenario=greylisting/);
  // Another origin: another port on loopback.
  const host = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html><body><h1>A course page</h1>${snippet}</body></html>`);
  });
  await new Promise((ok) => host.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${host.address().port}/course.html`;
  assert.notEqual(new URL(url).origin, new URL(ctx.site.url).origin);
  const other = await openPage(ctx.browser, url);
  const frame = other.page.frameLocator('iframe');
  await frame.locator('.mxlab-shell[data-mxlab-runs="1"][data-mxlab-state="ready"]').waitFor({ timeout: 30000 });
  assert.equal(await frame.locator('.embed-bar h1').textContent(), 'Greylisting');
  // It autoplays.
  await other.page.waitForFunction(() => true);
  await frame.locator('.transport .clock:not([data-micros="0"])').waitFor({ timeout: 10000 });
  await other.page.screenshot({ path: 'target/e2e/embed-other-origin.png' });
  assert.deepEqual(other.problems, []);
  await other.page.close();
  await new Promise((ok) => host.close(ok));
});

test('the docs page mounts simulators that play independently', async () => {
  const { page, problems } = await openPage(ctx.browser, `${ctx.site.url}docs/index.html`);
  await page.waitForSelector('body[data-mounted="true"]');
  for (const id of ['#mount-hello', '#mount-fallback', '#mount-greylisting']) {
    await page.waitForSelector(`${id} .mxlab-shell[data-mxlab-runs="1"][data-mxlab-state="ready"]`, { timeout: 30000 });
  }
  // Each is its own app: its own scenario and view.
  assert.equal(await page.textContent('#mount-hello .embed-bar h1'), 'Hello SMTP');
  assert.equal(await page.locator('#mount-fallback main.mxlab-stage svg').count(), 1);
  assert.equal(await page.locator('#mount-greylisting main.mxlab-stage').count(), 0);
  assert.ok(await page.locator('#mount-greylisting .mxlab-shell.dark').count());
  // The page's body is left alone.
  assert.equal(await page.getAttribute('body', 'data-mxlab-runs'), null);
  // Pausing one leaves the other playing.
  await page.waitForFunction(() => Number(document.querySelector('#mount-hello .transport .clock').dataset.micros) > 0);
  await page.click('#mount-hello button.play[aria-label="Pause (space)"]');
  // Paused once the page shows it (a frame already on its way may land
  // first: the clock stops where that frame put it).
  await page.waitForSelector('#mount-hello button.play[aria-label="Play (space)"]');
  const paused = await micros(page, '#mount-hello');
  const before = await micros(page, '#mount-fallback');
  await page.waitForFunction(
    (b) => Number(document.querySelector('#mount-fallback .transport .clock').dataset.micros) !== b,
    before,
    { timeout: 10000 },
  );
  assert.equal(await micros(page, '#mount-hello'), paused, 'the paused one stays');
  // The iframes load too.
  for (const id of ['#iframe-hello', '#iframe-fallback', '#iframe-greylisting']) {
    await page.frameLocator(id).locator('.mxlab-shell[data-mxlab-runs="1"]').waitFor({ timeout: 30000 });
  }
  await page.screenshot({ path: 'target/e2e/docs.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the package's example mounts two simulators and unmounts one", async () => {
  const { page, problems } = await openPage(ctx.browser, `${ctx.site.url}pkg/example/index.html`);
  await page.waitForSelector('#first .mxlab-shell[data-mxlab-runs="1"]', { timeout: 30000 });
  await page.waitForSelector('#second .mxlab-shell[data-mxlab-runs="1"]', { timeout: 30000 });
  assert.match(await page.title(), /MX Lab \d+\.\d+\.\d+/);
  // Keyboard shortcuts stay inside their simulator.
  await page.click('#second .embed-bar');
  await page.focus('#second .mxlab-shell');
  const first = await micros(page, '#first');
  await page.keyboard.press('Home');
  assert.equal(await micros(page, '#second'), 0);
  await page.click('#remove');
  assert.equal(await page.locator('#second .mxlab-shell').count(), 0);
  assert.equal(await page.locator('#first .mxlab-shell').count(), 1);
  assert.ok(first >= 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a scenario too large for a link is offered as a file', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await runDone(page, 0);
  // 3,000 messages with distinct bodies: far more than a link can carry.
  await openTab(page, 'Scenario');
  await page.click('.mode button:has-text("JSON")');
  const s = JSON.parse(await page.inputValue('#scenario-json'));
  const m = s.messages[0];
  s.messages = Array.from({ length: 3000 }, (_, i) => ({ ...m, id: `m${i}`, at_secs: i, body: `message ${i} ${Math.sin(i)}\r\n` }));
  s.horizon_secs = 7200;
  await page.fill('#scenario-json', JSON.stringify(s));
  const n = await runs(page);
  await page.click('button.apply');
  await runDone(page, n);
  await page.click('button.share');
  assert.match(await page.textContent('.share-dialog .too-long'), /too large for a link/);
  assert.equal(await page.locator('#share-link').count(), 0);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('.share-dialog button:has-text("Download the scenario file")')]);
  assert.equal(download.suggestedFilename(), 'scenario.json');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the package has a version, TypeScript types and its README', async () => {
  const get = async (path) => {
    const res = await fetch(`${ctx.site.url}pkg/${path}`);
    assert.equal(res.status, 200, path);
    return res.text();
  };
  const pkg = JSON.parse(await get('package.json'));
  assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
  assert.equal(pkg.main, 'mxlab_web.js');
  assert.equal(pkg.types, 'mxlab_web.d.ts');
  const types = await get('mxlab_web.d.ts');
  assert.match(types, /export interface MountOptions/);
  assert.match(types, /export function mount\(element: Element, options\?: MountOptions \| null\): number;/);
  assert.match(types, /export function unmount\(handle: number\): boolean;/);
  const readme = await get('README.md');
  assert.match(readme, /mount\(document\.getElementById/);
});
