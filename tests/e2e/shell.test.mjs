// The app shell loads from a sub-path in real Chromium: the WebAssembly
// module initialises, the header, stage and status line are there, and
// nothing goes wrong on the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser, openPage } from './harness.mjs';

const ctx = siteAndBrowser();

test('the shell renders with no console error', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await page.waitForSelector('body[data-mxlab-ready="true"]', { timeout: 15000 });

  assert.equal(await page.title(), 'MX Lab');
  assert.equal(await page.textContent('header h1'), 'MX Lab');
  assert.ok(await page.isVisible('main.mxlab-stage svg'), 'the stage is drawn');
  const status = await page.textContent('footer[role=status] .version');
  assert.match(status, /^MX Lab \d+\.\d+\.\d+ · simulation \d+\.\d+\.\d+ · protocol core \d+\.\d+\.\d+$/);
  assert.equal(await page.textContent('footer[role=status] .state'), 'ready');

  await page.screenshot({ path: 'target/e2e/shell.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('the site only uses relative URLs (served from a sub-path)', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await page.waitForSelector('body[data-mxlab-ready="true"]', { timeout: 15000 });
  const urls = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
  assert.ok(urls.some((u) => u.endsWith('.wasm')), `the wasm module was fetched: ${urls}`);
  for (const u of urls) {
    assert.ok(u.startsWith(ctx.site.url), `${u} is under ${ctx.site.url}`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});
