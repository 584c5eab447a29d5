// Hostile input in real Chromium, each case asserting the clear outcome and
// a bound: a heartbeat in the page (a timer recording its ticks) never
// stalls for more than a second, a banner says what happened, and the page
// keeps working afterwards (a preset loads and plays). The cases: a run
// that would never end, a relay loop carrying a large body, text over the
// editors' limit pasted (into the JSON editor or the form), typed or
// imported, a valid scenario just under the limit, thousands of problems, a
// huge line in the console, share links with duplicate keys, a huge lesson
// or a deflate bomb, and a trap in the module. Each prints what it measured
// (time, longest stall).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { siteAndBrowser, openPage, runs, runDone, openTab } from './harness.mjs';
import { relayLoop } from './frames.mjs';

const ctx = siteAndBrowser();

/** What the app takes at most, in characters (16 MiB). */
const MAX_TEXT = 16 * 1024 * 1024;

/** A heartbeat in the page: a tick every 20 ms, its timestamps kept; and
 * the page's long tasks (over 50 ms, the Long Tasks API). */
const HEARTBEAT = () => {
  window.beats = [performance.now()];
  window.beat = setInterval(() => window.beats.push(performance.now()), 20);
  window.longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.longTasks.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask' });
};

/** The long tasks since the app last started computing a run (its
 * `mxlab-compute` mark), in ms. */
const longTasksComputing = (page) =>
  page.evaluate(() => {
    const from = performance.getEntriesByName('mxlab-compute', 'mark').at(-1)?.startTime ?? 0;
    return window.longTasks.filter((t) => t.start >= from).map((t) => Math.round(t.ms));
  });

/** Starts the heartbeat in the page as it is now. */
async function heartbeat(page) {
  await page.evaluate(HEARTBEAT);
}

/** Opens `url` with the heartbeat running from the page's first script on. */
async function openBeating(url) {
  const opened = await openPage(ctx.browser, 'about:blank');
  await opened.page.addInitScript(HEARTBEAT);
  await opened.page.goto(url);
  await runDone(opened.page, 0);
  return opened;
}

/** The longest gap between two ticks of the heartbeat so far, in ms. */
async function longestStall(page) {
  return page.evaluate(() => {
    const b = [...window.beats, performance.now()];
    let worst = 0;
    for (let i = 1; i < b.length; i++) worst = Math.max(worst, b[i] - b[i - 1]);
    return Math.round(worst);
  });
}

async function open(url = ctx.site.url) {
  const opened = await openPage(ctx.browser, url);
  await runDone(opened.page, 0);
  return opened;
}

const tab = openTab;

async function jsonEditor(page) {
  await tab(page, 'Scenario');
  await page.click('.mode button:has-text("JSON")');
}

const banner = (page) => page.textContent('.mxlab-shell .banner[role=alert]');

/** The page still works: a preset loads, plays, and its clock moves. */
async function stillWorks(page, preset = 'mx-fallback') {
  const n = await runs(page);
  await page.selectOption('#preset', preset);
  await runDone(page, n);
  await page.click('.transport button.play');
  await page.waitForFunction(
    () => Number(document.querySelector('.transport .clock')?.dataset.micros ?? 0) > 0,
    null,
    { timeout: 10000 },
  );
}

/** The scenario of a preset, as the JSON editor shows it. */
async function presetJson(page, name) {
  const n = await runs(page);
  await page.selectOption('#preset', name);
  await runDone(page, n);
  await jsonEditor(page);
  return JSON.parse(await page.inputValue('#scenario-json'));
}

/** hello-smtp for a year, retrying every second, the MX down for good. */
function yearOfRetries(hello) {
  const s = structuredClone(hello);
  s.horizon_secs = 31622400;
  s.profiles = [{
    name: 'every-second',
    profile: { queue_run_delay_secs: null, backoff: { kind: 'fixed', interval_secs: 1 }, max_queue_lifetime_secs: 31622400 },
  }];
  for (const n of s.nodes) if (n.role === 'submission') n.policy.timing = 'every-second';
  s.faults = [{ at_secs: 0, fault: { kind: 'host_down', host: 'mx.example.org' } }];
  return s;
}

/** A share link (hash included) of the raw payload `json`. */
const linkOf = (json) => `${ctx.site.url}#v1.${deflateRawSync(Buffer.from(json)).toString('base64url')}`;

test('a run that would never end stops on its budget with a banner, keeps its trace, and so does its share link', async () => {
  const { page, problems } = await open();
  const s = yearOfRetries(await presetJson(page, 'hello-smtp'));
  await heartbeat(page);
  const started = Date.now();
  await jsonEditor(page);
  await page.fill('#scenario-json', JSON.stringify(s));
  const n = await runs(page);
  await page.click('button.apply');
  await page.waitForSelector('[role=progressbar]');
  await page.waitForFunction((k) => Number(document.body.dataset.mxlabRuns) > k && document.body.dataset.mxlabState === 'ready', n, { timeout: 120000 });
  const seconds = (Date.now() - started) / 1000;
  const stall = await longestStall(page);
  const text = await banner(page);
  assert.match(text, /stopped at \d+d [\d:.]+ after 2,000,0\d\d events/, text);
  assert.match(text, /Shorten the horizon/, text);
  const computing = await longTasksComputing(page);
  console.log(`year of retries: ${seconds.toFixed(1)} s to compute, longest stall ${stall} ms; long tasks while computing: [${computing}] ms`);
  assert.ok(stall < 1000, `the page stalled ${stall} ms`);
  // The trace up to the stop is there: scrub to the end, play a little.
  const max = Number(await page.getAttribute('input[aria-label="Timeline"]', 'max'));
  assert.ok(max > 1000000, `${max} events`);
  await page.fill('input[aria-label="Timeline"]', String(Math.floor(max / 2)));
  await page.click('.banner .dismiss');
  // Its share link opens to the same stop, not to a dead page.
  await page.click('button.share');
  const link = await page.inputValue('#share-link');
  const other = await openPage(ctx.browser, link);
  await other.page.waitForFunction(() => /stopped at/.test(document.querySelector('.banner')?.textContent ?? ''), null, { timeout: 120000 });
  assert.deepEqual(other.problems, []);
  await other.page.close();
  await page.click('.share-dialog button.close');
  await stillWorks(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a relay loop carrying an 8 MB body stops on its budget instead of panicking', async () => {
  const { page, problems } = await open();
  const s = relayLoop(await presetJson(page, 'relay-via-smarthost'));
  await jsonEditor(page);
  await page.fill('#scenario-json', JSON.stringify(s));
  await heartbeat(page);
  const n = await runs(page);
  await page.click('button.apply');
  await runDone(page, n);
  assert.match(await banner(page), /stopped at .* \(the budget of 256\.0 MiB of trace\)/);
  const stall = await longestStall(page);
  const computing = await longTasksComputing(page);
  console.log(`relay loop: longest stall ${stall} ms; long tasks while computing: [${computing}] ms`);
  assert.ok(stall < 1000, `the page stalled ${stall} ms`);
  assert.equal(await page.locator('#mxlab-fatal').count(), 0);
  await stillWorks(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('text over the limit pasted into the JSON editor is refused before it enters, and the text is as it was', async () => {
  const { page, problems } = await open();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await jsonEditor(page);
  const before = await page.inputValue('#scenario-json');
  await heartbeat(page);
  // 20 MB of whitespace on the clipboard, pasted with the keyboard.
  await page.evaluate(() => navigator.clipboard.writeText(' '.repeat(20 * 1024 * 1024)));
  await page.click('#scenario-json');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Control+V');
  await page.waitForSelector('.banner[role=alert]');
  assert.match(await banner(page), /20,9\d\d,\d\d\d characters; MX Lab takes scenarios of at most 16\.0 MiB/);
  assert.equal(await page.inputValue('#scenario-json'), before);
  // A paste within the limit goes in as usual.
  await page.click('.banner .dismiss');
  await page.evaluate(() => navigator.clipboard.writeText(' \n'));
  await page.click('#scenario-json');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Control+V');
  assert.equal((await page.inputValue('#scenario-json')).length, before.length + 2);
  assert.equal(await page.locator('.banner[role=alert]').count(), 0);
  const stall = await longestStall(page);
  console.log(`paste of 20 MB: longest stall ${stall} ms`);
  assert.ok(stall < 1000, `the page stalled ${stall} ms`);
  await stillWorks(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('text over the limit pasted into a field of the form editor is refused the same way', async () => {
  const { page, problems } = await open();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await tab(page, 'Scenario');
  await page.click('.mode button:has-text("Form")');
  const field = page.locator('.scenario-form input[type=text]').first();
  const before = await field.inputValue();
  await page.evaluate(() => navigator.clipboard.writeText('y'.repeat(17 * 1024 * 1024)));
  await field.click();
  await page.keyboard.press('Control+V');
  await page.waitForSelector('.banner[role=alert]');
  assert.match(await banner(page), /17,8\d\d,\d\d\d characters; MX Lab takes scenarios of at most 16\.0 MiB/);
  assert.equal(await field.inputValue(), before);
  await stillWorks(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('typing into a JSON editor full to the limit is refused, with a message', async () => {
  const { page, problems } = await open();
  await jsonEditor(page);
  // Full to the limit, as a long edit would leave it.
  await page.evaluate((max) => {
    const el = document.querySelector('#scenario-json');
    el.value = `${el.value}${' '.repeat(max - el.value.length)}`;
    el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }));
  }, MAX_TEXT);
  await page.focus('#scenario-json');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('x');
  await page.waitForSelector('.banner[role=alert]');
  assert.match(await banner(page), /16,777,217 characters/);
  assert.equal(await page.evaluate(() => document.querySelector('#scenario-json').value.length), MAX_TEXT);
  await stillWorks(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a file over the limit is refused by its size before it is read', async () => {
  const { page, problems } = await open();
  await tab(page, 'Scenario');
  await heartbeat(page);
  const n = await runs(page);
  // From disk, as a user picks it (not pushed through the page by the driver).
  const dir = await mkdtemp(join(tmpdir(), 'mxlab-'));
  const file = join(dir, 'huge.json');
  await writeFile(file, Buffer.alloc(MAX_TEXT + 1024, ' '));
  await page.setInputFiles('input[type=file]', file);
  await page.waitForSelector('.banner[role=alert]');
  assert.match(await banner(page), /the file huge\.json is 16\.0 MiB; MX Lab takes scenarios of at most 16\.0 MiB/);
  assert.equal(await runs(page), n, 'nothing was loaded');
  await rm(dir, { recursive: true });
  const stall = await longestStall(page);
  assert.ok(stall < 1000, `the page stalled ${stall} ms`);
  await stillWorks(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a valid scenario just under the limit imports and runs without a freeze', async () => {
  const { page, problems } = await open();
  const hello = await presetJson(page, 'hello-smtp');
  // 27,000 messages: about 15 MiB of JSON.
  const body = 'Hi Bob,\r\nthis went through SMTP, as a long line of text to fill the file up.\r\n'.repeat(2);
  hello.messages = Array.from({ length: 27000 }, (_, i) => ({ ...hello.messages[0], id: `m${i}`, at_secs: i % 3600, body }));
  const text = JSON.stringify(hello, null, 1);
  assert.ok(text.length > 14 * 1024 * 1024 && text.length < MAX_TEXT, `${text.length}`);
  const dir = await mkdtemp(join(tmpdir(), 'mxlab-'));
  const file = join(dir, 'large.json');
  await writeFile(file, text);
  await tab(page, 'Scenario');
  await heartbeat(page);
  const n = await runs(page);
  const t = Date.now();
  await page.setInputFiles('input[type=file]', file);
  await page.waitForFunction((k) => Number(document.body.dataset.mxlabRuns) > k && document.body.dataset.mxlabState === 'ready', n, { timeout: 120000 });
  const took = Date.now() - t;
  await rm(dir, { recursive: true });
  const stall = await longestStall(page);
  console.log(`a valid 15 MiB scenario: imported and run in ${took} ms, longest stall ${stall} ms`);
  assert.ok(stall < 1000, `the page stalled ${stall} ms`);
  assert.equal(await page.locator('.banner[role=alert]').count(), 0);
  // The editor is not filled with 15 MiB unasked: it says so instead.
  assert.match(await page.textContent('.big-json'), /This scenario's JSON is 14\.\d MiB/);
  await stillWorks(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('thousands of problems: the first 100 are listed with the count of the rest, and clicks stay instant', async () => {
  const { page, problems } = await open();
  const s = await presetJson(page, 'hello-smtp');
  // 5,000 messages from a host that does not exist: 5,000 problems.
  s.messages = Array.from({ length: 5000 }, (_, i) => ({ ...s.messages[0], id: `m${i}`, from: 'nowhere.example' }));
  const text = JSON.stringify(s, null, 2);
  // The text as a paste leaves it (the driver's fill types it, slowly).
  await page.evaluate((text) => {
    const el = document.querySelector('#scenario-json');
    el.value = text;
    el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, text);
  await heartbeat(page);
  let t = Date.now();
  await page.click('button.apply');
  await page.waitForSelector('.problem.more');
  const validate = Date.now() - t;
  assert.equal(await page.locator('.problem:not(.more)').count(), 100);
  const total = Number((await banner(page)).match(/has (\d+) problems/)[1]);
  assert.ok(total >= 5000, `${total} problems`);
  assert.match(await page.textContent('.problem.more'), new RegExp(`and ${total - 100} more`));
  assert.match(await page.textContent('.problem .goto'), /^line \d+$/);
  const stall = await longestStall(page);
  // Every click after that is instant: nothing is located again.
  t = Date.now();
  for (let i = 0; i < 10; i++) await page.click('button[aria-label="Next event (→)"]');
  const clicks = (Date.now() - t) / 10;
  t = Date.now();
  await tab(page, 'Transcript');
  await tab(page, 'Scenario');
  const back = Date.now() - t;
  console.log(`5,000 problems: validated and listed in ${validate} ms (longest stall ${stall} ms), then ${clicks.toFixed(0)} ms a click; away and back to the editor in ${back} ms`);
  assert.ok(clicks < 300, `${clicks} ms a click`);
  // Back in the panel, the 2.5 MB text waits to be asked for; it and the problems stay.
  assert.match(await page.textContent('.big-json'), /JSON is 2\.\d MiB/);
  await page.click('.big-json button.show-json');
  assert.equal(await page.inputValue('#scenario-json'), text);
  assert.ok(back < 1000, `${back} ms away and back`);
  assert.equal(await page.locator('.problem:not(.more)').count(), 100);
  assert.ok(stall < 1000, `the page stalled ${stall} ms`);
  await stillWorks(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a 10 MB line pasted into the console is refused, its log stays bounded and typing stays instant', async () => {
  const { page, problems } = await open();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await tab(page, 'Console');
  await page.click('.console-bar button');
  await page.waitForSelector('.console-log li.server');
  const input = 'input[aria-label="SMTP line"]';
  await heartbeat(page);
  await page.evaluate(() => navigator.clipboard.writeText('X'.repeat(10 * 1024 * 1024)));
  await page.click(input);
  await page.keyboard.press('Control+V');
  await page.waitForFunction(() => /10,485,760 characters/.test(document.querySelector('.console-log')?.textContent ?? ''));
  assert.equal(await page.inputValue(input), '');
  // Typing afterwards is answered at once.
  const log = () => page.$$eval('.console-log li', (els) => els.map((e) => e.textContent));
  const t = Date.now();
  await page.fill(input, 'EHLO student.example');
  await page.press(input, 'Enter');
  await page.waitForFunction(() => [...document.querySelectorAll('.console-log li')].some((l) => /^S:250/.test(l.textContent)));
  const answered = Date.now() - t;
  assert.ok(answered < 1000, `answered after ${answered} ms`);
  // The log keeps its last 500 lines.
  for (let i = 0; i < 260; i++) {
    await page.fill(input, 'NOOP');
    await page.press(input, 'Enter');
  }
  await page.waitForFunction(() => /earlier lines not kept/.test(document.querySelector('.console-log')?.textContent ?? ''));
  const lines = await log();
  assert.ok(lines.length <= 501, `${lines.length} lines`);
  assert.match(lines.at(-1), /^S:250/);
  const stall = await longestStall(page);
  console.log(`console: answered in ${answered} ms after a 10 MB paste, longest stall ${stall} ms`);
  assert.ok(stall < 1000, `the page stalled ${stall} ms`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a share link with duplicate keys is refused as the editor refuses it', async () => {
  const { page } = await open();
  const hello = await presetJson(page, 'hello-smtp');
  await page.close();
  const scenario = JSON.stringify(hello).replace('{', '{"horizon_secs":5,');
  const other = await open(linkOf(`{"v":1,"scenario":${scenario}}`));
  assert.match(await banner(other.page), /duplicate field `horizon_secs`.*The default scenario is open instead/);
  await stillWorks(other.page);
  assert.deepEqual(other.problems, []);
  await other.page.close();
});

test('a share link with a 15 MB lesson is refused with a banner, without a freeze', async () => {
  const { page } = await open();
  const hello = await presetJson(page, 'hello-smtp');
  await page.close();
  hello.lesson = 'Read this. '.repeat(1400000);
  const link = linkOf(JSON.stringify({ v: 1, scenario: hello }));
  assert.ok(link.length < 100000, `${link.length} characters`);
  const t = Date.now();
  const other = await openBeating(link);
  const opened = Date.now() - t;
  assert.match(await banner(other.page), /lesson is 14\.7 MiB; MX Lab shows lessons of at most 64\.0 KiB/);
  const stall = await longestStall(other.page);
  console.log(`15 MB lesson link: refused in ${opened} ms, longest stall ${stall} ms`);
  assert.ok(opened < 3000, `${opened} ms`);
  assert.ok(stall < 1000, `the page stalled ${stall} ms`);
  await stillWorks(other.page);
  assert.deepEqual(other.problems, []);
  await other.page.close();
});

test('a deflate bomb link stops inflating at the limit, with the page responsive', async () => {
  // 1 GiB of spaces, deflated to about a megabyte.
  const bomb = deflateRawSync(Buffer.alloc(1024 * 1024 * 1024, ' '), { level: 9 }).toString('base64url');
  const t = Date.now();
  const { page, problems } = await openBeating(`${ctx.site.url}#v1.${bomb}`);
  const took = Date.now() - t;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heap = (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize').value;
  assert.match(await banner(page), /damaged \(cannot inflate: larger than 16777216 bytes\)/);
  const stall = await longestStall(page);
  console.log(`deflate bomb (1 GiB in ${bomb.length} characters): refused in ${took} ms, JS heap ${(heap / 1048576).toFixed(0)} MiB, longest stall ${stall} ms`);
  assert.ok(stall < 1000, `the page stalled ${stall} ms`);
  await stillWorks(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a trap in the module shows a banner, in text, with a way back to the default scenario', async () => {
  const { page } = await open();
  // What a failed allocation or an `unreachable` raises out of the module.
  await page.evaluate(() => {
    setTimeout(() => {
      throw new WebAssembly.RuntimeError('unreachable <img src=x onerror="window.owned=1">');
    });
  });
  await page.waitForSelector('#mxlab-fatal');
  const fatal = await page.textContent('#mxlab-fatal');
  assert.match(fatal, /MX Lab stopped: unreachable <img src=x/);
  assert.match(fatal, /cannot go on/);
  assert.equal(await page.locator('#mxlab-fatal img').count(), 0, 'the message is text, not markup');
  assert.equal(await page.evaluate(() => window.owned), undefined);
  // One banner, however many traps follow.
  await page.evaluate(() => setTimeout(() => { throw new WebAssembly.RuntimeError('again'); }));
  await page.waitForTimeout(100);
  assert.equal(await page.locator('#mxlab-fatal').count(), 1);
  // Its link opens MX Lab again, with the default scenario.
  await page.click('#mxlab-fatal a.recover');
  await page.waitForFunction(() => document.body.dataset.mxlabState === 'ready' && Number(document.body.dataset.mxlabRuns) > 0);
  assert.equal(await page.locator('#mxlab-fatal').count(), 0);
  assert.equal(new URL(page.url()).hash, '');
  await stillWorks(page);
  await page.close();
});
