// The Statistics panel in Chromium, on "Retry and backoff until the MX
// returns" (the MX down for 40 minutes, the submission server retrying):
// axes with ticks and units, the clock's line following seeking and
// playback, a host's own queue, the fault's window shaded where it is,
// p50/p90/p99 marked and stated, attempts per hop and end to end, and the
// CSV files. Then an empty plot that says so, a fault injected by hand
// drawn as a band, and the panel at a projector's and a phone's size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { siteAndBrowser, openPreset, runs, runDone, openTab } from './harness.mjs';

const ctx = siteAndBrowser();

const timeline = 'input[aria-label="Timeline"]';
const QUEUE = 'svg[aria-label="Queued recipients over time"]';
const LATENCY = 'svg[aria-label="Delivery latency"]';

async function open(presetName, viewport = { width: 1366, height: 800 }) {
  const { page, problems } = await openPreset(ctx.browser, ctx.site.url, presetName, viewport);
  await openTab(page, 'Statistics');
  await page.waitForSelector('.statistics');
  return { page, problems };
}

const seek = (page, position) => page.fill(timeline, String(position));
const maxPosition = (page) => page.getAttribute(timeline, 'max').then(Number);
const clockMicros = (page) => page.getAttribute('.transport .clock', 'data-micros').then(Number);

/** The clock's line over the queue plot. */
const cursor = (page) =>
  page.$eval('.plot-area .cursor', (c) => ({ x: Number(c.dataset.x), t: Number(c.dataset.tUs), queued: Number(c.dataset.queued), text: c.textContent }));

/** Tick labels and titles of a plot's axes. */
const axes = (page, svg) =>
  page.$eval(svg, (s) => ({
    x: [...s.querySelectorAll('.axis.x text.tick')].map((t) => t.textContent),
    y: [...s.querySelectorAll('.axis.y text.tick')].map((t) => t.textContent),
    titles: [...s.querySelectorAll('.axis text.title')].map((t) => t.textContent),
  }));

/** Downloads the CSV of a figure: its file name and its rows, split. */
async function csv(page, which) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-csv="${which}"]`)]);
  const text = await readFile(await download.path(), 'utf8');
  assert.ok(text.endsWith('\r\n'), 'CRLF line ends');
  return { name: download.suggestedFilename(), rows: text.split('\r\n').slice(0, -1).map((l) => l.split(',')) };
}

test('a run with retries: axes with units, the clock\'s line, a host\'s queue, the fault\'s band, percentiles, attempts and CSV files', async () => {
  const { page, problems } = await open('retry-until-mx-returns');

  // Axes: time ticks with their unit, whole counts, titles.
  const q = await axes(page, QUEUE);
  assert.ok(q.x.length >= 3, JSON.stringify(q));
  for (const label of q.x) assert.match(label, /^\d+(\.\d)? (ms|s|min|h|d)$/);
  assert.deepEqual(q.x.slice(0, 2), ['0 min', '5 min']);
  assert.ok(q.y.every((l) => /^\d+$/.test(l)) && q.y[0] === '0', JSON.stringify(q.y));
  assert.deepEqual(q.titles, ['recipients queued', 'simulated time since the start']);
  const l = await axes(page, LATENCY);
  for (const label of l.x) assert.match(label, /^(\d+ (ms|s)|10[⁰¹²³⁴⁵⁶⁷⁸⁹]+ s)$/);
  assert.deepEqual(l.x, ['1000 s', '10⁴ s']);
  assert.deepEqual(l.titles, ['recipients', 'delivery latency (log scale)']);
  // Counts written on the bars, not only on hover.
  assert.deepEqual(await page.$$eval(`${LATENCY} .bar text.count`, (t) => t.map((e) => e.textContent)), ['1']);

  // The clock's line follows seeking …
  await seek(page, 0);
  const start = await cursor(page);
  assert.equal(start.t, 0);
  const end = await maxPosition(page);
  await seek(page, end);
  const last = await cursor(page);
  assert.equal(last.t, await clockMicros(page));
  assert.ok(last.t >= 2_400_000_000, `${last.t}`);
  assert.ok(last.x > start.x + 500, `${start.x} → ${last.x}`);
  const x0 = Number(await page.getAttribute(QUEUE, 'data-x0'));
  const x1 = Number(await page.getAttribute(QUEUE, 'data-x1'));
  assert.ok(Math.abs(start.x - x0) < 0.2 && Math.abs(last.x - x1) < 0.2, `${x0}..${x1}: ${start.x}, ${last.x}`);
  assert.equal(last.queued, 0);
  // … and playback.
  await seek(page, 0);
  await page.selectOption('select[aria-label=Speed]', '1000');
  await page.click('button.play');
  await page.waitForFunction(() => Number(document.querySelector('.plot-area .cursor').dataset.tUs) > 0, null, { timeout: 10000 });
  await page.click('button.play');
  const playing = await cursor(page);
  assert.ok(playing.x > start.x, `${start.x} → ${playing.x}`);
  assert.match(playing.text, /^now \d+:\d\d:\d\d\.\d{3}: \d+ queued$/);

  // The fault's window, shaded from 0 to 40 min on the time scale.
  const endS = Number(await page.getAttribute(QUEUE, 'data-end-s'));
  const band = await page.$eval(`${QUEUE} .fault-band[data-fault="mx.example.org down"]`, (g) => {
    const r = g.querySelector('rect');
    return { from: g.dataset.fromUs, until: g.dataset.untilUs, x: Number(r.getAttribute('x')), width: Number(r.getAttribute('width')) };
  });
  assert.deepEqual([band.from, band.until], ['0', '2400000000']);
  assert.ok(Math.abs(band.x - x0) < 0.2, `${band.x} vs ${x0}`);
  const bandEnd = x0 + (2400 / endS) * (x1 - x0);
  assert.ok(Math.abs(band.x + band.width - bandEnd) < 0.5, `${band.x + band.width} vs ${bandEnd}`);

  // One host's queue, then all hosts together again.
  const total = await page.getAttribute(`${QUEUE} path.series`, 'd');
  const hosts = await page.$$eval('select[aria-label="Queue of"] option', (o) => o.map((e) => e.textContent));
  assert.deepEqual(hosts, ['all hosts together', 'alice-laptop.example.com', 'smtp.example.com', 'mx.example.org']);
  await page.selectOption('select[aria-label="Queue of"]', 'smtp.example.com');
  await page.waitForSelector('.plot-area[data-host="smtp.example.com"]');
  const smtp = await page.getAttribute(`${QUEUE} path.series`, 'd');
  assert.notEqual(smtp, total);
  assert.match(await page.textContent('.queue-figure .caption'), /^Recipients queued on smtp\.example\.com \(peak 1 at /);
  await page.selectOption('select[aria-label="Queue of"]', 'mx.example.org');
  await page.waitForSelector('.plot-area[data-host="mx.example.org"]');
  assert.notEqual(await page.getAttribute(`${QUEUE} path.series`, 'd'), smtp);
  await page.selectOption('select[aria-label="Queue of"]', '');
  await page.waitForSelector('.plot-area[data-host="all hosts together"]');
  assert.equal(await page.getAttribute(`${QUEUE} path.series`, 'd'), total);

  // p50, p90 and p99: marked on the plot and stated in words.
  assert.deepEqual(await page.$$eval(`${LATENCY} line.percentile`, (ls) => ls.map((e) => e.dataset.percentile)), ['50', '90', '99']);
  assert.equal(await page.textContent(`${LATENCY} .percentiles text`), 'p50 p90 p99');
  const said = await page.$$eval('.latency-figure span.percentile', (s) => s.map((e) => e.textContent));
  assert.equal(said.length, 3);
  for (const [i, p] of ['p50', 'p90', 'p99'].entries()) assert.match(said[i], new RegExp(`^${p} 40 min \\(2400\\.\\d{3} s\\)$`));
  assert.match(await page.textContent('[data-stat=p50]'), /^40 min \(2400\.\d{3} s\)$/);

  // Attempts: the first hop went through at once, the submission server
  // needed four tries; five connections end to end.
  const bars = (svg) => page.$$eval(`svg[aria-label="${svg}"] .bar`, (b) => b.map((e) => [e.dataset.lo, e.dataset.count]));
  assert.deepEqual(await bars('Attempts per hop'), [['1', '1'], ['4', '1']]);
  assert.deepEqual(await bars('Connections per message, end to end'), [['5', '1']]);
  assert.match(await page.textContent('[data-scope=per-hop]'), /1 = it went through at the first try\. 2 hops .*; 1 needed more than one try\./);
  assert.match(await page.textContent('[data-scope=end-to-end]'), /from its first hop to its mailbox/);

  // The CSV files.
  const queues = await csv(page, 'queues');
  assert.equal(queues.name, 'retry-and-backoff-until-the-mx-returns-seed3-queues.csv');
  assert.deepEqual(queues.rows[0], ['time_s', 'all_hosts', 'alice-laptop.example.com', 'smtp.example.com', 'mx.example.org']);
  assert.deepEqual(queues.rows[1].slice(0, 1), ['0.000000']);
  assert.ok(queues.rows.every((r) => r.length === 5), JSON.stringify(queues.rows));
  assert.ok(queues.rows.slice(1).some((r) => r[3] === '1'), 'the submission server held the message');
  assert.deepEqual(queues.rows.at(-1).slice(1), ['0', '0', '0', '0']);
  const times = queues.rows.slice(1).map((r) => Number(r[0]));
  assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]), 'one row per moment, in order');
  assert.ok(times.at(-1) >= 2400);

  const latencies = await csv(page, 'latencies');
  assert.equal(latencies.name, 'retry-and-backoff-until-the-mx-returns-seed3-latencies.csv');
  assert.deepEqual(latencies.rows[0], ['message', 'mailbox', 'host', 'submitted_s', 'delivered_s', 'latency_s']);
  assert.equal(latencies.rows.length, 2);
  const [m, mailbox, host, submitted, delivered, latency] = latencies.rows[1];
  assert.deepEqual([m, mailbox, host, submitted], ['m1', 'bob@example.org', 'mx.example.org', '0.000000']);
  assert.equal(delivered, latency);
  assert.equal(Number(latency).toFixed(3), Number(await page.getAttribute('.latency-figure span.percentile[data-percentile="50"]', 'data-secs')).toFixed(3));

  const attempts = await csv(page, 'attempts');
  assert.deepEqual(attempts.rows[0], ['message', 'dsn', 'hop', 'host', 'arrived_s', 'hop_attempts', 'hop_connections', 'message_hops', 'message_connections', 'message_delivered']);
  assert.deepEqual(attempts.rows.slice(1).map((r) => [r[0], r[2], r[3], r[5], r[8], r[9]]), [
    ['m1', '1', 'alice-laptop.example.com', '1', '5', 'true'],
    ['m1', '2', 'smtp.example.com', '4', '5', 'true'],
  ]);
  await page.screenshot({ path: 'target/e2e/statistics-1366.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a plot with nothing to show says so', async () => {
  const { page, problems } = await open('expiry-bounce');
  assert.equal(await page.textContent('[data-stat=delivered]'), '0');
  assert.equal(await page.textContent('[data-stat=p50]'), '–');
  assert.match(await page.textContent('.latency-figure .empty'), /^Nothing to plot yet: no message of the scenario has reached a mailbox in this run \(1 recipient\(s\) bounced, 0 still queued\)\.$/);
  assert.equal(await page.$(LATENCY), null);
  assert.match(await page.textContent('.attempts-figure .empty'), /^Nothing to plot yet: no message has reached a mailbox/);
  // The queue and the tries per hop are there to see.
  assert.ok(await page.isVisible(`${QUEUE} path.series`));
  assert.ok(await page.isVisible('svg[aria-label="Attempts per hop"] .bar'));
  const latencies = await csv(page, 'latencies');
  assert.deepEqual(latencies.rows, [['message', 'mailbox', 'host', 'submitted_s', 'delivered_s', 'latency_s']]);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a fault injected by hand is shaded from its moment to when the host is brought up', async () => {
  const { page, problems } = await open('hello-smtp');
  assert.equal(await page.$(`${QUEUE} .fault-band`), null, 'no fault yet');
  await seek(page, 3);
  const down = await clockMicros(page);
  await page.click('g.host[data-host="mx.example.org"]');
  let n = await runs(page);
  await page.click('.fault-menu button:has-text("Take down")');
  await runDone(page, n);
  await openTab(page, 'Statistics');
  let band = await page.$eval(`${QUEUE} .fault-band`, (g) => ({ fault: g.dataset.fault, from: Number(g.dataset.fromUs), until: g.dataset.untilUs }));
  assert.deepEqual(band, { fault: 'mx.example.org down', from: down, until: '' });
  // Brought up later: the window closes there.
  await seek(page, (await maxPosition(page)) - 2);
  const up = await clockMicros(page);
  await page.click('g.host[data-host="mx.example.org"]');
  n = await runs(page);
  await page.click('.fault-menu button:has-text("Bring up")');
  await runDone(page, n);
  await openTab(page, 'Statistics');
  band = await page.$eval(`${QUEUE} .fault-band`, (g) => ({ from: Number(g.dataset.fromUs), until: Number(g.dataset.untilUs) }));
  assert.deepEqual(band, { from: down, until: up });
  assert.deepEqual(problems, []);
  await page.close();
});

test('readable on a projector in presenter mode and on a phone', async () => {
  let { page, problems } = await open('retry-until-mx-returns', { width: 1920, height: 1080 });
  await page.click('button:has-text("Presenter mode")');
  const size = (sel) => page.$eval(sel, (t) => parseFloat(getComputedStyle(t).fontSize));
  await page.waitForFunction((sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize) >= 17, `${QUEUE} .axis.x text.tick`);
  assert.ok((await size(`${QUEUE} .axis.x text.tick`)) >= 17, 'tick labels a room can read');
  // The plot is drawn for the larger type: its margins grew with it.
  const frame = await page.$eval(QUEUE, (s) => s.getBoundingClientRect().width);
  assert.ok(frame > 1700, `${frame}`);
  await page.screenshot({ path: 'target/e2e/statistics-1920-presenter.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();

  ({ page, problems } = await open('retry-until-mx-returns', { width: 390, height: 844 }));
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `the page is ${wide} px wide`);
  for (const svg of [QUEUE, LATENCY, 'svg[aria-label="Attempts per hop"]']) {
    const box = await page.$eval(svg, (s) => s.getBoundingClientRect().right);
    assert.ok(box <= 390, `${svg} ends at ${box}`);
    const ticks = await page.$$eval(`${svg} .axis.x text.tick`, (t) => t.map((e) => e.getBoundingClientRect()));
    for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i].left >= ticks[i - 1].right, `${svg}: tick labels ${i - 1} and ${i} overlap`);
  }
  // The clock's label stays on the plot wherever the line is.
  const max = await maxPosition(page);
  for (const position of [0, Math.floor(max / 2), Math.floor(max * 0.9), max]) {
    await seek(page, position);
    const [label, plot] = await page.$eval('.plot-area .cursor span', (s) =>
      [s.getBoundingClientRect(), s.closest('.plot-area').querySelector('svg').getBoundingClientRect()].map((r) => ({ left: r.left, right: r.right })));
    assert.ok(label.left >= plot.left - 0.5 && label.right <= plot.right + 0.5, `at ${position}: ${JSON.stringify([label, plot])}`);
  }
  await page.screenshot({ path: 'target/e2e/statistics-phone.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
