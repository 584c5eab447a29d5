// Teaching from MX Lab in real Chromium: a session at lesson pace stays on
// screen long enough for a room to follow it, an idle gap is said before
// it is skipped, and a refused connection is drawn and captioned.
// Screenshots go to target/e2e/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser, openPreset, runs, runDone, openTab } from './harness.mjs';

const ctx = siteAndBrowser();

const open = (presetName, viewport) => openPreset(ctx.browser, ctx.site.url, presetName, viewport);

test('a preset opens at lesson pace, and a session stays on screen for more than 8 s', async () => {
  const { page, problems } = await open('hello-smtp', { width: 1366, height: 800 });
  assert.equal(await page.inputValue('select[aria-label=Speed]'), 'lesson:0.8');
  assert.match(await page.textContent('select[aria-label=Speed] option:checked'), /Lesson pace/);
  await page.click('button.play');
  // The first session (Alice's submission): from its link opening to its
  // closing, in real time.
  const link = 'g.link.open[data-link~="alice-laptop.example.com"][data-link~="smtp.example.com"]';
  await page.waitForSelector(link, { timeout: 20000 });
  const opened = Date.now();
  // Mid-session, the caption says what the line on the wire means.
  await page.waitForFunction(() => /“EHLO /.test(document.querySelector('.mxlab-stage .caption')?.textContent ?? ''), null, { timeout: 20000 });
  await page.screenshot({ path: 'target/e2e/lesson-pace.png' });
  await page.waitForFunction((sel) => !document.querySelector(sel), link, { timeout: 60000, polling: 50 });
  const shown = (Date.now() - opened) / 1000;
  assert.ok(shown >= 8, `the session was on screen for ${shown.toFixed(1)} s`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('at lesson pace an idle gap is said over the drawing before the clock jumps it', async () => {
  const { page, problems } = await open('retry-until-mx-returns', { width: 1366, height: 800 });
  await page.click('button.play');
  const notice = page.locator('.mxlab-stage .skipping');
  await notice.waitFor({ timeout: 30000 });
  const text = await notice.textContent();
  assert.match(text, /^▶▶ (\d+ (d|h|min|s|ms) ?)+ skipped — next event at \d\d:\d\d:\d\d\.\d{3}$/, text);
  const at = await page.getAttribute('.transport .clock', 'data-micros');
  // While it is said, the clock waits; then it jumps to the next event.
  await page.waitForTimeout(600);
  assert.equal(await page.getAttribute('.transport .clock', 'data-micros'), at, 'the clock waits while the notice shows');
  await page.screenshot({ path: 'target/e2e/idle-skip.png' });
  const next = text.match(/at (\S+)$/)[1];
  await page.waitForFunction((t) => document.querySelector('.transport .clock').textContent.trim() >= t, next, { timeout: 10000 });
  assert.deepEqual(problems, []);
  await page.close();
});

test('MX fallback: the backup MX is labelled, the refused connection to the primary drawn with a red cross and captioned', async () => {
  for (const [viewport, name] of [[{ width: 1366, height: 800 }, 'failed-connect'], [{ width: 1920, height: 1080 }, 'failed-connect-projector']]) {
    const { page, problems } = await open('mx-fallback', viewport);
    if (name.endsWith('projector')) await page.click('button:has-text("Presenter mode")');
    await page.evaluate(() => document.activeElement?.blur());
    // Step event by event until the refusal is on the drawing.
    for (let i = 0; i < 80 && !(await page.$('g.attempt.failed')); i++) await page.keyboard.press('ArrowRight');
    const failed = page.locator('g.attempt.failed');
    assert.equal(await failed.getAttribute('data-client'), 'smtp.example.com');
    assert.equal(await failed.getAttribute('data-server'), 'mx1.example.org');
    assert.equal(await failed.getAttribute('data-why'), 'refused');
    assert.equal(await failed.locator('.died').textContent(), '✕');
    assert.equal(await failed.locator('.why').textContent(), ':25 refused');
    // The cross is drawn on screen, between the MSA and mx1.
    const cross = await failed.locator('.died').boundingBox();
    const msa = await page.locator('g.host[data-host="smtp.example.com"]').boundingBox();
    const mx1 = await page.locator('g.host[data-host="mx1.example.org"]').boundingBox();
    assert.ok(cross && cross.x > msa.x && cross.x < mx1.x + mx1.width, JSON.stringify({ cross, msa, mx1 }));
    assert.ok(cross.y >= 0 && cross.y + cross.height <= viewport.height, 'the cross is in the viewport');
    // The backup MX is drawn as one, with its preference.
    const mx2 = page.locator('g.host[data-host="mx2.example.org"]');
    assert.equal(await mx2.locator('.glyph').textContent(), 'MX');
    assert.equal(await mx2.locator('.role-label').textContent(), 'backup MX (pref 20)');
    assert.equal(await page.textContent('g.host[data-host="mx1.example.org"] .role-label'), 'MX (pref 10)');
    const caption = await page.textContent('.mxlab-stage .caption');
    assert.match(caption, /^smtp\.example\.com → mx1\.example\.org: connection refused: try the next MX, or requeue \(RFC 5321 §5\.1\)$/);
    // The next MX is dialled at once, and the refusal stays drawn beside it.
    assert.ok(await page.$('g.attempt.dialing[data-server="mx2.example.org"]'), 'mx2 is being dialled');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.ok(await page.$('g.attempt.failed'), 'the refusal stays drawn');
    await page.screenshot({ path: `target/e2e/${name}.png` });
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('no keyboard traps: menus give the focus back, Space never presses a fault button, Esc closes, ? helps, Tab and the arrows reach hosts', async () => {
  const { page, problems } = await open('hello-smtp', { width: 1366, height: 800 });
  const micros = () => page.getAttribute('.transport .clock', 'data-micros').then(Number);
  // A preset picked with the mouse: the focus leaves the menu, so → steps
  // the run rather than switching the preset.
  let n = await runs(page);
  await page.selectOption('#preset', 'mx-fallback');
  await runDone(page, n);
  assert.notEqual(await page.evaluate(() => document.activeElement?.id), 'preset');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.inputValue('#preset'), 'mx-fallback');
  assert.ok((await micros()) > 0, 'ArrowRight stepped the run');
  // A speed picked: Space plays.
  await page.selectOption('select[aria-label=Speed]', '1000');
  await page.keyboard.press(' ');
  await page.waitForSelector('button.play[aria-label="Pause (space)"]');
  await page.keyboard.press(' ');
  await page.waitForSelector('button.play[aria-label="Play (space)"]');

  // The fault menu of mx2, its first button focused: Space plays and
  // pauses, it does not inject; Esc closes the menu; Space again plays.
  await page.click('g.host[data-host="mx2.example.org"]');
  const first = page.locator('#fault-menu-first');
  await first.focus();
  const forks = () => page.$$('.marker.fork').then((m) => m.length);
  const before = await forks();
  n = await runs(page);
  await page.keyboard.press(' ');
  await page.waitForSelector('button.play[aria-label="Pause (space)"]');
  await page.keyboard.press(' ');
  await page.keyboard.press('Escape');
  assert.equal(await page.$('#fault-menu-first'), null, 'Esc closed the fault menu');
  await page.keyboard.press(' ');
  await page.waitForSelector('button.play[aria-label="Pause (space)"]');
  await page.keyboard.press(' ');
  await page.waitForTimeout(300);
  assert.equal(await runs(page), n, 'no run was forked');
  assert.equal(await forks(), before, 'no fault was injected');

  // `?` opens the sheet of shortcuts; Esc closes it.
  await page.keyboard.press('?');
  const sheet = page.locator('[role=dialog][aria-label="Keyboard shortcuts"]');
  await sheet.waitFor();
  assert.match(await sheet.textContent(), /Space.*play or pause/);
  await page.screenshot({ path: 'target/e2e/shortcuts.png' });
  await page.keyboard.press('Escape');
  await sheet.waitFor({ state: 'detached' });

  // Tab reaches the hosts of the drawing; Enter selects one.
  await page.evaluate(() => document.activeElement?.blur());
  let host = null;
  for (let i = 0; i < 40 && !host; i++) {
    await page.keyboard.press('Tab');
    host = await page.evaluate(() => document.activeElement?.closest?.('g.host')?.getAttribute('data-host') ?? null);
  }
  assert.ok(host, 'a host is in the focus order');
  // ↓ moves to the next host or link of the drawing, ↑ back; the clock
  // does not move.
  const t0 = await micros();
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-host') ?? document.activeElement?.getAttribute('data-link'));
  await page.keyboard.press('ArrowDown');
  const next = await focused();
  assert.ok(next && next !== host, `↓ moved from ${host} to ${next}`);
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(), host);
  assert.equal(await micros(), t0);
  await page.keyboard.press('Enter');
  await page.waitForFunction((h) => document.querySelector('.fault-menu h2')?.textContent === h, host);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a DNS question is drawn with its name and type, then its answer with the MX records', async () => {
  const { page, problems } = await open('mx-fallback', { width: 1366, height: 800 });
  await page.evaluate(() => document.activeElement?.blur());
  const dns = () => page.getAttribute('canvas.packets', 'data-dns');
  const seen = [];
  for (let i = 0; i < 60 && !seen.some((d) => d.includes('MX example.org: ')); i++) {
    await page.keyboard.press('ArrowRight');
    const d = await dns();
    if (d) seen.push(d);
  }
  assert.ok(seen.some((d) => d.split(' | ').includes('MX example.org?')), seen.join('\n'));
  assert.ok(seen.some((d) => d.split(' | ').includes('MX example.org: 10 mx1 · 20 mx2')), seen.join('\n'));
  await page.screenshot({ path: 'target/e2e/dns-answer.png' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('the event list follows the clock, filters by class, and a click moves the clock to its event', async () => {
  const { page, problems } = await open('mx-fallback', { width: 1366, height: 800 });
  await page.evaluate(() => document.activeElement?.blur());
  for (let i = 0; i < 80 && !(await page.$('g.attempt.failed')); i++) await page.keyboard.press('ArrowRight');
  await openTab(page, 'Events');
  // The refusal is among the rows of this instant (the next MX is tried
  // at the same instant, the last of them).
  const refused = page.locator('.event-list tr.now', { hasText: 'connection refused' });
  assert.equal(await refused.locator('.hosts').textContent(), 'smtp.example.com → mx1.example.org');
  assert.match(await refused.locator('.why').textContent(), /\(RFC 5321 §5\.1\)$/);
  const now = page.locator('.event-list tr[aria-current=step]');
  assert.match(await now.locator('.what').textContent(), /^attempt 1: mx2\.example\.org:25$/);
  // The list follows the clock: one step on, the current row is a later one.
  const index = Number(await now.getAttribute('data-index'));
  await page.keyboard.press('ArrowRight');
  assert.ok(Number(await page.getAttribute('.event-list tr[aria-current=step]', 'data-index')) > index);
  await page.screenshot({ path: 'target/e2e/event-list.png' });
  // DNS only.
  for (const c of ['SMTP', 'queue', 'fault', 'DSN']) {
    await page.click(`.events .filters label:has-text("${c}") input`);
  }
  const classes = await page.$$eval('.event-list tbody tr', (rows) => rows.map((r) => r.className));
  assert.ok(classes.length >= 2 && classes.every((c) => c.includes('class-dns')), classes.join(' '));
  // A click on the question moves the clock back to it.
  const question = page.locator('.event-list tbody tr', { hasText: 'MX example.org?' }).first();
  const at = await question.locator('.time').textContent();
  await question.click();
  assert.equal((await page.textContent('.transport .clock')).trim(), at);
  assert.equal(await page.getAttribute('.event-list tr[aria-current=step]', 'data-index'), await question.getAttribute('data-index'));
  assert.deepEqual(problems, []);
  await page.close();
});

test('on a 390 px phone nothing scrolls sideways, Play is on the first screen, the drawing fills the width with hosts in rows and the fault menu opens on screen', async () => {
  const viewport = { width: 390, height: 844 };
  const { page, problems } = await open('mx-fallback', viewport);
  const wide = () => page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok((await wide()) <= viewport.width, `the page is ${await wide()} px wide`);
  const play = await page.locator('button.play').boundingBox();
  assert.ok(play && play.y + play.height <= viewport.height, `Play is at ${JSON.stringify(play)}`);
  const svg = await page.locator('main.mxlab-stage svg').boundingBox();
  assert.ok(svg.width >= viewport.width - 24, `the drawing is ${svg.width} px wide`);
  // Upright, the hosts stand in rows (senders above destinations), so the
  // drawing is not shrunk to a strip: names a student can read.
  const y = (h) => page.locator(`g.host[data-host="${h}"] > rect`).boundingBox().then((b) => b.y);
  assert.ok((await y('alice-laptop.example.com')) < (await y('smtp.example.com')));
  assert.ok((await y('smtp.example.com')) < (await y('mx1.example.org')));
  const name = await page.locator('g.host[data-host="smtp.example.com"] .name').boundingBox();
  assert.ok(name.height >= 9, `a host's name is ${name.height.toFixed(1)} px tall`);
  const hostBox = await page.locator('g.host[data-host="smtp.example.com"] > rect').boundingBox();
  assert.ok(hostBox.width >= 48, `a host's box is ${hostBox.width.toFixed(0)} px wide`);
  // Play works from there, and the page still does not scroll sideways.
  await page.click('button.play');
  await page.waitForSelector('button.play[aria-label="Pause (space)"]');
  await page.click('button.play');
  // A host's fault menu opens within the screen.
  await page.click('g.host[data-host="mx2.example.org"]');
  const menu = page.locator('.fault-menu');
  await menu.waitFor();
  const box = await menu.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= viewport.width && box.y >= 0 && box.y + box.height <= viewport.height,
    `the fault menu is at ${JSON.stringify(box)}`);
  await page.screenshot({ path: 'target/e2e/phone-fault-menu.png' });
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'detached' });
  for (const tab of ['Events', 'Queues', 'Statistics', 'Scenario']) {
    await openTab(page, tab);
    assert.ok((await wide()) <= viewport.width, `${tab}: the page is ${await wide()} px wide`);
  }
  await openTab(page, 'Transcript');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: 'target/e2e/phone.png' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('presenter mode at 1920x1080: the drawing, the transport and the current transcript line on one screen; markers a room can see', async () => {
  const viewport = { width: 1920, height: 1080 };
  const { page, problems } = await open('hello-smtp', viewport);
  await page.click('button:has-text("Presenter mode")');
  await page.evaluate(() => document.activeElement?.blur());
  // Into the relay's session to the MX, well past its first lines.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('ArrowRight');
    const session = await page.$eval('select[aria-label=Session]', (s) => s.selectedOptions[0]?.textContent ?? '').catch(() => '');
    if (/mx\.example\.org:25/.test(session) && (await page.$$('ol.transcript li')).length >= 12) break;
  }
  const inView = async (sel) => {
    const b = await page.locator(sel).first().boundingBox();
    assert.ok(b, `${sel} is drawn`);
    assert.ok(b.y >= 0 && b.y + b.height <= viewport.height, `${sel} at ${JSON.stringify(b)}`);
  };
  await inView('main.mxlab-stage svg');
  await inView('.transport');
  await inView('ol.transcript li.current');
  const marker = await page.locator('.timeline .marker').first().boundingBox();
  assert.ok(marker.height >= 20 && marker.width >= 5, `marker ${JSON.stringify(marker)}`);
  // The page itself did not scroll to get there.
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  await page.screenshot({ path: 'target/e2e/presenter-1920x1080.png' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('the console is drawn on the network while its session is open, listed in the Transcript and the event list, its log scrolls inside its panel, and a relay refusal explains itself', async () => {
  const { page, problems } = await open('hello-smtp', { width: 1366, height: 800 });
  await openTab(page, 'Console');
  await page.selectOption('select[aria-label="Console host"]', 'smtp.example.com');
  await page.click('.console-bar button');
  await page.waitForSelector('.console-log li.server');
  const me = page.locator('g.console-client[data-console="smtp.example.com"]');
  await me.waitFor();
  assert.equal(await me.locator('.glyph').textContent(), 'YOU');
  // It is drawn inside the stage, its name too, clear of every host.
  const placed = await page.evaluate(() => {
    const box = (el) => el.getBoundingClientRect();
    const svg = box(document.querySelector('.mxlab-stage svg'));
    const you = document.querySelector('g.console-client g.host.console');
    const hosts = [...document.querySelectorAll('.mxlab-stage g.host:not(.console) rect')].map(box);
    return { svg, you: box(you), youRect: box(you.querySelector('rect')), hosts };
  });
  const inside = (r, o) => r.left >= o.left - 1 && r.right <= o.right + 1 && r.top >= o.top - 1 && r.bottom <= o.bottom + 1;
  const apart = (a, b) => a.right < b.left || b.right < a.left || a.bottom < b.top || b.bottom < a.top;
  assert.ok(inside(placed.you, placed.svg), `YOU within the stage: ${JSON.stringify(placed)}`);
  for (const h of placed.hosts) assert.ok(apart(placed.youRect, h), `YOU clear of a host: ${JSON.stringify(placed)}`);
  const send = async (line) => {
    await page.fill('input[aria-label="SMTP line"]', line);
    await page.press('input[aria-label="SMTP line"]', 'Enter');
  };
  const log = () => page.$$eval('.console-log li', (els) => els.map((e) => e.textContent));
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  for (const line of ['EHLO student.example', 'MAIL FROM:<student@example.net>', 'RCPT TO:<bob@example.org>']) await send(line);
  const lines = await log();
  const refused = lines.findIndex((l) => /^S:554 5\.7\.1 /.test(l));
  assert.ok(refused > 0, lines.join('\n'));
  assert.match(lines[refused + 1], /^why: smtp\.example\.com relays only for the hosts in policy\.relay\.allow_from \(alice-laptop\.example\.com\)/);
  // The session is listed in the Transcript (and shown there), each line
  // explained on hover, and in the event list at its moment.
  await openTab(page, 'Transcript');
  const picked = await page.$eval('select[aria-label=Session]', (s) => s.selectedOptions[0]?.textContent ?? '');
  assert.match(picked, /^console: YOU → smtp\.example\.com:25 at 00:00:00\.000 \(typed by hand\)$/);
  const shown = await page.$$eval('ol.transcript li', (els) => els.map((e) => [e.textContent, e.title]));
  const ehlo = shown.find(([t]) => t === 'C:EHLO student.example');
  assert.ok(ehlo, JSON.stringify(shown));
  assert.match(ehlo[1], /RFC 5321/);
  const denied = shown.find(([t]) => /^S:554 5\.7\.1 /.test(t));
  assert.match(denied[1], /^554 .*5\.7\.1: .*\(RFC/);
  await page.screenshot({ path: 'target/e2e/console-transcript.png' });
  await openTab(page, 'Events');
  const rows = await page.$$eval('table.event-list tr.console', (els) => els.map((e) => [...e.cells].map((c) => c.textContent)));
  assert.ok(rows.some(([t, hosts, what]) => t === '00:00:00.000' && hosts === 'YOU → smtp.example.com' && what === 'C: EHLO student.example'), JSON.stringify(rows));
  assert.ok(rows.some(([, hosts, what, why]) => hosts === 'smtp.example.com → YOU' && /^S: 554 /.test(what) && /RFC/.test(why)), JSON.stringify(rows));
  // A click on a console row shows the session in the Transcript.
  await openTab(page, 'Transcript');
  await page.selectOption('select[aria-label=Session]', { index: 0 });
  await openTab(page, 'Events');
  await page.click('table.event-list tr.console >> nth=0');
  assert.match(await page.$eval('select[aria-label=Session]', (s) => s.selectedOptions[0]?.textContent ?? ''), /^console: /);
  await openTab(page, 'Console');
  // Many more lines: the log scrolls inside its panel, showing the newest,
  // and the page does not grow with it.
  for (let i = 0; i < 30; i++) await send('NOOP');
  const box = await page.$eval('.console-log', (ol) => ({ scroll: ol.scrollHeight, client: ol.clientHeight, top: ol.scrollTop }));
  assert.ok(box.scroll > box.client, JSON.stringify(box));
  assert.ok(box.top + box.client >= box.scroll - 2, `the newest line is in view: ${JSON.stringify(box)}`);
  assert.ok((await page.evaluate(() => document.documentElement.scrollHeight)) <= height + 320, 'the page did not grow with the log');
  await page.screenshot({ path: 'target/e2e/console-citizen.png' });
  await send('QUIT');
  await me.waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a click on a packet shows its line, what it means and its octets beside the drawing, covering no host; Esc closes it', async () => {
  const { page, problems } = await open('hello-smtp', { width: 1366, height: 800 });
  await page.evaluate(() => document.activeElement?.blur());
  // Step until the greeting has arrived: EHLO has just left Alice's laptop.
  const caption = () => page.evaluate(() => document.querySelector('.mxlab-stage .caption')?.textContent ?? '');
  for (let i = 0; i < 10 && !/“220 /.test(await caption()); i++) await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('canvas.packets', 'data-packets'), '1');
  // Where the packet is drawn: at the edge of the laptop's box, towards
  // the submission server (44 stage units from its centre).
  const at = await page.evaluate(() => {
    const svg = document.querySelector('main.mxlab-stage svg');
    const [vx, vy, vw, vh] = svg.getAttribute('viewBox').split(' ').map(Number);
    const r = svg.getBoundingClientRect();
    const scale = Math.min(r.width / vw, r.height / vh);
    const centre = (h) => {
      const [x, y] = document.querySelector(`g.host[data-host="${h}"]`).getAttribute('transform').match(/-?[\d.]+/g).map(Number);
      return [x, y];
    };
    const [ax, ay] = centre('alice-laptop.example.com');
    const [bx, by] = centre('smtp.example.com');
    const len = Math.hypot(bx - ax, by - ay);
    const [px, py] = [ax + ((bx - ax) * 44) / len, ay + ((by - ay) * 44) / len];
    return {
      x: r.left + (r.width - vw * scale) / 2 + (px - vx) * scale,
      y: r.top + (r.height - vh * scale) / 2 + (py - vy) * scale,
    };
  });
  await page.mouse.click(at.x, at.y);
  const info = page.locator('.packet-info');
  await info.waitFor();
  assert.equal(await info.locator('.packet-head').textContent(), 'alice-laptop.example.com → smtp.example.com · arrives at 00:00:01.080');
  assert.equal(await info.locator('.packet-line').textContent(), 'C: EHLO alice-laptop.example.com');
  assert.match(await info.locator('.packet-why').textContent(), /RFC 5321/);
  assert.match(await info.locator('.packet-bytes code').textContent(), /^45 48 4c 4f 20 .* 0d 0a$/);
  // The card covers no host, and the click was the packet's, not the
  // link's under it.
  const card = await info.boundingBox();
  for (const host of await page.$$('g.host[data-host] > rect')) {
    const r = await host.boundingBox();
    assert.ok(card.x >= r.x + r.width || r.x >= card.x + card.width || card.y >= r.y + r.height || r.y >= card.y + card.height,
      `the card ${JSON.stringify(card)} covers a host at ${JSON.stringify(r)}`);
  }
  assert.ok(card.y + card.height <= 800, `the card is on the screen: ${JSON.stringify(card)}`);
  assert.equal(await page.locator('g.link.selected').count(), 0, 'the link under the packet is not selected');
  await page.screenshot({ path: 'target/e2e/packet-details.png' });
  await page.keyboard.press('Escape');
  await info.waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a connection that times out is drawn: dialled while the SYN goes unanswered, then a red cross halfway with the reason, and captioned', async () => {
  const { page, problems } = await open('submission-ports', { width: 1366, height: 800 });
  await page.evaluate(() => document.activeElement?.blur());
  const dave = 'dave-desktop.example.com';
  // Step until Dave's SYN to the MX is on its way.
  const dialing = `g.attempt.dialing[data-client="${dave}"][data-server="mx.example.org"]`;
  for (let i = 0; i < 120 && !(await page.$(dialing)); i++) await page.keyboard.press('ArrowRight');
  assert.ok(await page.$(dialing), 'the attempt is drawn while it waits');
  const from = await page.getAttribute('.transport .clock', 'data-micros');
  const failed = page.locator(`g.attempt.failed[data-client="${dave}"]`);
  for (let i = 0; i < 40 && !(await failed.count()); i++) await page.keyboard.press('ArrowRight');
  assert.equal(await failed.getAttribute('data-server'), 'mx.example.org');
  assert.equal(await failed.getAttribute('data-why'), 'timed out');
  assert.equal(await failed.locator('.died').textContent(), '✕');
  assert.equal(await failed.locator('.why').textContent(), ':25 timed out');
  assert.equal(await page.$(dialing), null, 'no longer dialled');
  // It died after the client's connect timeout, not at once.
  const waited = (Number(await page.getAttribute('.transport .clock', 'data-micros')) - Number(from)) / 1e6;
  assert.ok(waited >= 25, `timed out after ${waited} s`);
  // The cross is halfway, clear of every host's box (the way from Dave's
  // desktop to the MX crosses the submission server's: the arc bows round
  // it), and so is its reason.
  const cross = await failed.locator('.died').boundingBox();
  const reason = await failed.locator('.why').boundingBox();
  const a = await page.locator(`g.host[data-host="${dave}"] rect`).first().boundingBox();
  const b = await page.locator('g.host[data-host="mx.example.org"] rect').first().boundingBox();
  const overlap = (p, r) => p.x < r.x + r.width && r.x < p.x + p.width && p.y < r.y + r.height && r.y < p.y + p.height;
  for (const host of await page.$$('g.host[data-host] > rect')) {
    const r = await host.boundingBox();
    assert.ok(!overlap(cross, r) && !overlap(reason, r), JSON.stringify({ cross, reason, r }));
  }
  const mid = { x: (a.x + a.width / 2 + b.x + b.width / 2) / 2, y: (a.y + a.height / 2 + b.y + b.height / 2) / 2 };
  const dist = Math.hypot(cross.x + cross.width / 2 - mid.x, cross.y + cross.height / 2 - mid.y);
  const span = Math.hypot(b.x - a.x, b.y - a.y);
  assert.ok(dist < span / 2, `the cross is ${dist.toFixed(0)} px from the middle of a ${span.toFixed(0)} px span`);
  assert.match(await page.textContent('.mxlab-stage .caption'), /^dave-desktop\.example\.com → mx\.example\.org: .*blocks outbound port 25.*the SYN is dropped and no answer comes before the connect timeout/);
  await page.screenshot({ path: 'target/e2e/timed-out-connect.png' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('lines sent together travel as a column beside their link, each readable, none on a host', async () => {
  const { page, problems } = await open('hello-smtp', { width: 1366, height: 800 });
  await page.evaluate(() => document.activeElement?.blur());
  // Step until the multi-line EHLO reply is on the wire.
  const count = () => page.getAttribute('canvas.packets', 'data-packets').then(Number);
  for (let i = 0; i < 30 && (await count()) < 5; i++) await page.keyboard.press('ArrowRight');
  const n = await count();
  assert.ok(n >= 5, `${n} lines in flight`);
  const points = (await page.getAttribute('canvas.packets', 'data-points')).split(' ').map((p) => p.split(',').map(Number));
  assert.equal(points.length, n);
  // Each at least a line of type apart from every other.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]);
      assert.ok(d >= 15, `packets ${i} and ${j} are ${d.toFixed(1)} units apart: ${JSON.stringify(points)}`);
    }
  }
  // None on a host's box (hosts are drawn 68 × 40 around their centre).
  const hosts = await page.$$eval('g.host[data-host]', (els) => els.map((e) => e.getAttribute('transform').match(/-?[\d.]+/g).map(Number)));
  for (const [px, py] of points) {
    for (const [hx, hy] of hosts) {
      assert.ok(Math.abs(px - hx) > 34 || Math.abs(py - hy) > 20, `a packet at ${px},${py} is on the host at ${hx},${hy}`);
    }
  }
  await page.screenshot({ path: 'target/e2e/packet-column.png' });
  assert.deepEqual(problems, []);
  await page.close();
});
