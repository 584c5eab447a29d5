// The share dialog's options, in real Chromium against the built site: the
// iframe, the <mx-lab> element and the link it writes say exactly what the
// author chose, the live preview shows that same embed, and the dialog fits
// a phone's screen and a laptop's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser, openPage, runDone } from './harness.mjs';

const ctx = siteAndBrowser();

const RESIZE_SCRIPT =
  "<script>addEventListener('message',e=>{if(e.data&&e.data.mxlab==='height')for(const f of document.querySelectorAll('iframe'))if(f.contentWindow===e.source)f.style.height=e.data.height+'px'})</script>";

/** Problems other than a preview's load cut short by the next option. */
const real = (problems) => problems.filter((p) => !/net::ERR_ABORTED/.test(p));

/** The first element `selector` of `html`, parsed in the page: its tag and attributes in order. */
const parse = (page, html, selector) =>
  page.evaluate(
    ([h, s]) => {
      const el = new DOMParser().parseFromString(h, 'text/html').querySelector(s);
      return el && { tag: el.localName, attrs: [...el.attributes].map((a) => [a.name, a.value]) };
    },
    [html, selector],
  );

/** `t` in microseconds as the dialog writes it: seconds, up to 3 decimals. */
const seconds = (micros) => String(Math.round(micros / 1000) / 1000);

test('the share dialog writes the iframe, the element and the link with the options chosen, and previews them', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await page.setViewportSize({ width: 1366, height: 800 });
  await runDone(page, 0);
  const preset = await page.inputValue('#preset');
  const name = await page.textContent('.lesson h2');
  // Step the clock to a moment past the start.
  for (let i = 0; i < 4; i++) await page.click('button[aria-label="Next event (→)"]');
  const micros = Number(await page.getAttribute('.transport .clock', 'data-micros'));
  assert.ok(micros > 0, 'the clock moved');

  await page.click('button.share');
  await page.waitForSelector('#embed-code');
  const dialog = page.locator('.share-dialog');
  // Every control is labelled.
  for (const control of await dialog.locator('select, input[type=checkbox]').all()) {
    const label = await control.evaluate((el) => el.closest('label')?.textContent.trim() ?? '');
    assert.ok(label.length > 2, 'a control without a label');
  }
  await dialog.locator('label.view select').selectOption('transcript');
  await dialog.locator('label.speed select').selectOption('lesson');
  await dialog.locator('label.loop input').check();
  await dialog.locator('label.autoplay input').uncheck();
  await dialog.locator('label.theme select').selectOption('dark');
  await dialog.locator('label.start input').check();
  await dialog.locator('label.size select').selectOption('small');
  assert.match(await dialog.locator('label.start').textContent(), /moment on screen \(\d\d:\d\d:\d\d\.\d{3}\)/);

  // The iframe.
  const iframe = await page.inputValue('#embed-code');
  assert.ok(!iframe.includes('\n'), 'no resize script under an iframe of a fixed size');
  const frame = await parse(page, iframe, 'iframe');
  const attrs = Object.fromEntries(frame.attrs);
  assert.deepEqual(Object.keys(attrs), ['src', 'title', 'width', 'height', 'style', 'loading']);
  assert.equal(attrs.title, `MX Lab: ${name}`);
  assert.equal(attrs.width, '480');
  assert.equal(attrs.height, '360');
  const src = new URL(attrs.src);
  assert.equal(`${src.origin}${src.pathname}`, `${ctx.site.url}embed.html`);
  const start = seconds(micros);
  assert.match(start, /^\d+(\.\d{1,3})?$/);
  assert.deepEqual([...src.searchParams], [
    ['view', 'transcript'],
    ['loop', '1'],
    ['speed', 'lesson'],
    ['theme', 'dark'],
    ['start', start],
    ['scenario', preset],
  ]);

  // The <mx-lab> element, after the package's script.
  const element = await page.inputValue('#element-code');
  const script = await parse(page, element, 'script');
  assert.deepEqual(script.attrs, [['type', 'module'], ['src', `${ctx.site.url}pkg/mx-lab.js`]]);
  assert.deepEqual(await parse(page, element, 'mx-lab'), {
    tag: 'mx-lab',
    attrs: [['view', 'transcript'], ['loop', ''], ['speed', 'lesson'], ['theme', 'dark'], ['start', start], ['scenario', preset]],
  });
  assert.ok(element.startsWith('<script type="module"'), element);
  assert.match(element, /\n<mx-lab view="transcript" loop speed="lesson" theme="dark" start="[\d.]+" scenario="[^"]+"><\/mx-lab>$/);

  // The link is the share link, whatever the embed's options.
  const link = await page.inputValue('#share-link');
  assert.ok(link.startsWith(ctx.site.url) && link.includes('#v1.'), link);

  // The preview is that embed, and shows it: the transcript, dark, no drawing.
  assert.equal(await page.getAttribute('iframe.share-preview', 'src'), attrs.src);
  const preview = page.frameLocator('iframe.share-preview');
  await preview.locator('.mxlab-shell[data-mxlab-runs="1"][data-mxlab-state="ready"]').waitFor({ timeout: 30000 });
  assert.equal(await preview.locator('.mxlab-shell.dark').count(), 1);
  assert.equal(await preview.locator('main.mxlab-stage svg').count(), 0);
  // Beside the options on a laptop's screen, the whole dialog on it.
  const options = await dialog.locator('.share-options').boundingBox();
  const box = await dialog.locator('.share-preview-box').boundingBox();
  assert.ok(box.x >= options.x + options.width, 'the preview is beside the options');
  const whole = await dialog.boundingBox();
  assert.ok(whole.x >= 0 && whole.x + whole.width <= 1366 && whole.y + whole.height <= 800, JSON.stringify(whole));
  await page.screenshot({ path: 'target/e2e/share-options.png' });

  // Another choice changes the preview with the snippet.
  await dialog.locator('label.view select').selectOption('network');
  const network = await parse(page, await page.inputValue('#embed-code'), 'iframe');
  assert.equal(new URL(Object.fromEntries(network.attrs).src).searchParams.get('view'), 'network');
  assert.equal(await page.getAttribute('iframe.share-preview', 'src'), Object.fromEntries(network.attrs).src);
  assert.deepEqual(real(problems), []);
  await page.close();
});

test('fitting the content writes a full-width iframe and the resize script under it; in the dialog Space ticks a box and Esc closes it', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await runDone(page, 0);
  await page.click('button.share');
  await page.waitForSelector('#embed-code');
  // Unchanged, the dialog writes the embed code of old.
  assert.match(await page.inputValue('#embed-code'), /^<iframe src="[^"]*embed\.html\?view=both&amp;autoplay=1&amp;scenario=hello-smtp" title="MX Lab: Hello SMTP" width="800" height="560"/);
  await page.selectOption('.share-dialog label.size select', 'fit');
  const [frame, script, ...rest] = (await page.inputValue('#embed-code')).split('\n');
  assert.deepEqual(rest, []);
  assert.equal(script, RESIZE_SCRIPT);
  const attrs = Object.fromEntries((await parse(page, frame, 'iframe')).attrs);
  assert.equal(attrs.width, '100%');
  assert.equal(await page.getAttribute('iframe.share-preview', 'src'), attrs.src);
  // Esc closes it, from a menu of the dialog as from the dialog itself,
  // and the focus goes back to the Share button.
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.share-dialog').count(), 0);
  assert.equal(await page.evaluate(() => document.activeElement?.matches('header button.share')), true, 'the focus is back on Share');
  await page.click('button.share');
  await page.waitForSelector('#embed-code');
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('share-dialog')), true, 'the dialog has the focus');
  // Opened again, it shows the choices as they were left.
  assert.equal(await page.inputValue('.share-dialog label.size select'), 'fit');
  assert.equal((await page.inputValue('#embed-code')).split('\n')[1], RESIZE_SCRIPT);
  // In the dialog, Space ticks the box that has the focus (it does not
  // play the run behind it), and Esc closes it from a snippet's field.
  const box = page.locator('.share-dialog input[type=checkbox]').first();
  const ticked = await box.isChecked();
  const clock = await page.getAttribute('.transport .clock', 'data-micros');
  await box.focus();
  await page.keyboard.press(' ');
  assert.equal(await box.isChecked(), !ticked);
  assert.equal(await page.getAttribute('button.play', 'aria-label'), 'Play (space)', 'the run did not start');
  assert.equal(await page.getAttribute('.transport .clock', 'data-micros'), clock);
  await page.focus('#embed-code');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.share-dialog').count(), 0);
  assert.deepEqual(real(problems), []);
  await page.close();
});

test('on a phone the share dialog is within the screen and scrolls', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await page.setViewportSize({ width: 390, height: 844 });
  await runDone(page, 0);
  await page.click('button.share');
  await page.waitForSelector('#embed-code');
  const dialog = page.locator('.share-dialog');
  const box = await dialog.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `within the width: ${JSON.stringify(box)}`);
  assert.ok(box.y >= 0 && box.y + box.height <= 844, `within the height: ${JSON.stringify(box)}`);
  for (const part of ['.share-options', '.share-preview-box', '#embed-code', '#element-code', '#share-link']) {
    const b = await dialog.locator(part).boundingBox();
    assert.ok(b.x >= 0 && b.x + b.width <= 390, `${part} within the width: ${JSON.stringify(b)}`);
  }
  // Below the options on a phone.
  const options = await dialog.locator('.share-options').boundingBox();
  const preview = await dialog.locator('.share-preview-box').boundingBox();
  assert.ok(preview.y >= options.y + options.height, 'the preview is below the options');
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= 390), true, 'no horizontal scrolling');
  await page.screenshot({ path: 'target/e2e/share-options-phone.png' });
  // The rest is reached by scrolling the dialog.
  await dialog.locator('button.close').scrollIntoViewIfNeeded();
  assert.ok(await dialog.locator('button.close').isVisible());
  await page.screenshot({ path: 'target/e2e/share-options-phone-end.png' });
  await dialog.locator('button.close').click();
  assert.equal(await page.locator('.share-dialog').count(), 0);
  assert.deepEqual(real(problems), []);
  await page.close();
});
