// MX Lab in documentation pages of another origin: the <mx-lab> element
// (one line of HTML after one script tag), several independent ones on a
// page reacting to their attributes, and an iframe that sizes itself to
// its content with the one line of script the package README gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser, openDocsPage } from './harness.mjs';

const ctx = siteAndBrowser();

const RESIZE =
  "<script>addEventListener('message',e=>{if(e.data&&e.data.mxlab==='height')for(const f of document.querySelectorAll('iframe'))if(f.contentWindow===e.source)f.style.height=e.data.height+'px'})</script>";

/** The clock of the simulator inside `sel`, in microseconds. */
const clock = (page, sel) => page.$eval(`${sel} .transport .clock`, (c) => Number(c.dataset.micros));

test('an <mx-lab> element plays in a page of another origin; two on a page are independent and follow their attributes', async () => {
  const { page, problems } = await openDocsPage(ctx.browser, `<!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><title>SMTP guide</title>
    <script type="module" src="${ctx.site.url}pkg/mx-lab.js"></script></head>
    <body><h1>How mail finds its way</h1>
    <mx-lab id="a" scenario="hello-smtp" view="both" autoplay loop speed="lesson" pace="0.3"></mx-lab>
    <p>And when the primary MX is down:</p>
    <mx-lab id="b" scenario="mx-fallback" view="network" theme="dark"></mx-lab>
    </body></html>`);
  await page.waitForFunction(() => document.querySelectorAll('mx-lab .mxlab-shell[data-mxlab-state=ready]').length === 2, null, { timeout: 30000 });
  assert.equal(await page.textContent('#a .embed-bar h1'), 'Hello SMTP');
  assert.equal(await page.textContent('#b .embed-bar h1'), 'MX fallback to a backup MX');
  assert.equal(await page.getAttribute('#a .mxlab-shell', 'data-view'), 'both');
  assert.equal(await page.getAttribute('#b .mxlab-shell', 'data-view'), 'network');
  assert.equal(await page.$('#b ol.transcript'), null, 'view=network shows no transcript');
  assert.match(await page.getAttribute('#b .mxlab-shell', 'class'), /\bdark\b/);
  // The first plays (autoplay), the second waits (no autoplay).
  await page.waitForFunction(() => Number(document.querySelector('#a .transport .clock').dataset.micros) > 0, null, { timeout: 10000 });
  assert.equal(await clock(page, '#b'), 0);
  // Its speed menu says the pace its attribute asked for.
  assert.equal(await page.inputValue('#a select[aria-label=Speed]'), 'lesson:0.3');
  assert.equal(await page.textContent('#a select[aria-label=Speed] option:checked'), 'Lesson pace (0.3 s a step)');
  await page.screenshot({ path: 'target/e2e/mx-lab-elements.png', fullPage: true });
  // Changing the second's attributes starts it again with them; the first
  // plays on undisturbed.
  await page.evaluate(() => {
    const b = document.getElementById('b');
    b.setAttribute('scenario', 'greylisting');
    b.setAttribute('view', 'transcript');
    b.setAttribute('autoplay', '');
  });
  await page.waitForFunction(() => document.querySelector('#b .embed-bar h1')?.textContent === 'Greylisting', null, { timeout: 30000 });
  assert.equal(await page.getAttribute('#b .mxlab-shell', 'data-view'), 'transcript');
  await page.waitForFunction(() => Number(document.querySelector('#b .transport .clock')?.dataset.micros ?? 0) > 0, null, { timeout: 10000 });
  const before = await clock(page, '#a');
  await page.waitForTimeout(300);
  assert.notEqual(await clock(page, '#a'), before, 'the first still plays');
  // Keys go to the simulator that has the focus: Space in the second
  // pauses it alone.
  await page.focus('#b .mxlab-shell');
  await page.keyboard.press(' ');
  const paused = await clock(page, '#b');
  await page.waitForTimeout(300);
  assert.equal(await clock(page, '#b'), paused, 'the second is paused');
  assert.notEqual(await clock(page, '#a'), before, 'the first is not');
  // Removing an element stops its simulator; the other lives on.
  await page.evaluate(() => document.getElementById('b').remove());
  assert.equal(await page.$$eval('.mxlab-shell', (s) => s.length), 1);
  const a1 = await clock(page, '#a');
  await page.waitForTimeout(300);
  assert.notEqual(await clock(page, '#a'), a1);
  assert.deepEqual(problems, []);
  await page.close();
});

test('an iframe of the embed page sizes itself to its content with one line of script, and grows with the transcript', async () => {
  const src = `${ctx.site.url}embed.html?scenario=hello-smtp&view=transcript&autoplay=1&speed=lesson&pace=0.2`;
  const { page, problems } = await openDocsPage(ctx.browser, `<!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><title>SMTP guide</title></head>
    <body style="margin:0"><h1>A session, line by line</h1>
    <iframe id="sim" src="${src}" title="MX Lab" style="width:100%;border:0"></iframe>
    ${RESIZE}
    <p id="after">The text goes on below the simulator.</p></body></html>`, { width: 1000, height: 800 });
  const frame = () => page.frames().find((f) => f.url().startsWith(src));
  await page.waitForFunction(() => document.getElementById('sim').offsetHeight > 160, null, { timeout: 30000 });
  const fit = async () => {
    const outer = await page.$eval('#sim', (f) => f.getBoundingClientRect().height);
    const inner = await frame().evaluate(() => document.querySelector('.mxlab-shell').offsetHeight);
    return { outer, inner };
  };
  // Once the session has a few lines, the iframe is as tall as its content.
  await frame().waitForFunction(() => document.querySelectorAll('ol.transcript li').length >= 4, null, { timeout: 30000 });
  await page.waitForTimeout(300);
  const early = await fit();
  assert.ok(Math.abs(early.outer - early.inner) <= 10, JSON.stringify(early));
  // Played to the end, the transcript is longer and so is the iframe
  // (up to its maximum, then it scrolls inside).
  await frame().waitForFunction(() => document.querySelector('button.play')?.getAttribute('aria-label')?.startsWith('Play'), null, { timeout: 30000 });
  await page.waitForTimeout(300);
  const late = await fit();
  assert.ok(Math.abs(late.outer - late.inner) <= 10, JSON.stringify(late));
  assert.ok(late.outer > early.outer, `the iframe grew: ${early.outer} → ${late.outer}`);
  assert.ok(late.outer < 1200, `but only up to its maximum: ${late.outer}`);
  // No scroll bar inside the frame: all of it shows.
  const scroll = await frame().evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
  assert.ok(scroll <= 2, `the frame scrolls by ${scroll} px`);
  await page.screenshot({ path: 'target/e2e/embed-autosize.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
