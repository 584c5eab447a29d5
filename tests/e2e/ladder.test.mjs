// The ladder diagram in Chromium: one column per host and one arrow per
// SMTP line of a session (counted against its transcript), a red ✕ where a
// session was cut or a connection refused, the clock's moment drawn
// across it, the SVG file it downloads, and an embed that shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser, openPreset, openPage, openTab } from './harness.mjs';

const ctx = siteAndBrowser();

const open = (presetName, viewport = { width: 1366, height: 800 }) =>
  openPreset(ctx.browser, ctx.site.url, presetName, viewport);

const seekEnd = async (page) => {
  const max = await page.getAttribute('input[aria-label="Timeline"]', 'max');
  await page.fill('input[aria-label="Timeline"]', max);
};

/** The ladder's figures and what its SVG draws. */
const drawn = (page) => page.$eval('.ladder', (l) => ({
  columns: Number(l.dataset.columns),
  smtpLines: Number(l.dataset.smtpLines),
  heads: [...l.querySelectorAll('svg g.hosts text')].map((t) => t.textContent),
  commands: l.querySelectorAll('svg g.arrow.command').length,
  replies: l.querySelectorAll('svg g.arrow.reply').length,
  data: l.querySelectorAll('svg g.arrow.data').length,
  cut: l.querySelectorAll('svg g.cross.cut').length,
  failed: l.querySelectorAll('svg g.cross.failed').length,
  now: Number(l.querySelector('.ladder-now').dataset.y),
}));

test('a session as a ladder: a column per host, an arrow per SMTP line of its transcript, the moment across it, and the SVG file', async () => {
  const { page, problems } = await open('hello-smtp');
  await seekEnd(page);
  // The second session (submission server → MX), its transcript counted.
  const conn = await page.$eval('select[aria-label=Session]', (s) =>
    [...s.options].find((o) => /smtp\.example\.com → mx\.example\.org:25/.test(o.textContent)).value);
  await page.selectOption('select[aria-label=Session]', conn);
  const transcript = await page.$$eval('ol.transcript li', (els) => els.map((e) => e.textContent));
  const commands = transcript.filter((l) => l.startsWith('C:'));
  const data = transcript.indexOf(transcript.find((l) => /^S:354 /.test(l)));
  const dot = transcript.indexOf('C:.');
  assert.ok(data > 0 && dot > data, transcript.join('\n'));
  await openTab(page, 'Ladder');
  await page.waitForSelector('.ladder svg');
  const d = await drawn(page);
  assert.equal(d.columns, 2);
  assert.deepEqual(d.heads, ['smtp.example.com', 'mx.example.org']);
  // Every line of the transcript is drawn: each command and reply as an
  // arrow, the mail content (after 354, before the dot) as one, the final
  // dot as a command of its own.
  assert.equal(d.smtpLines, transcript.length);
  assert.equal(d.data, 1);
  assert.equal(d.commands, commands.length - (dot - data - 1));
  assert.ok(await page.$$eval('.ladder svg g.arrow.command title', (ts) => ts.some((t) => /: \.\n/.test(t.textContent))), 'the dot has its arrow');
  assert.equal(d.replies, transcript.length - commands.length);
  assert.equal(d.cut, 0);
  // The moment's line follows the clock.
  const atEnd = d.now;
  await page.fill('input[aria-label="Timeline"]', '0');
  const atStart = (await drawn(page)).now;
  assert.ok(atStart < atEnd, `the moment moves down the ladder: ${atStart} → ${atEnd}`);
  await page.screenshot({ path: 'target/e2e/ladder-session.png' });
  // On a projector the ladder's labels grow with the presenter's type, and
  // the moment's line is kept in view of its scaled sheet.
  const labelHeight = () => page.$eval('.ladder svg g.arrow.command text', (t) => t.getBoundingClientRect().height);
  const normal = await labelHeight();
  await page.click('button:has-text("Presenter mode")');
  await page.fill('input[aria-label="Timeline"]', await page.getAttribute('input[aria-label="Timeline"]', 'max'));
  const large = await labelHeight();
  assert.ok(large >= normal * 1.4, `presenter labels ${large}px against ${normal}px`);
  const inView = await page.$eval('.ladder', (frame) => {
    const f = frame.getBoundingClientRect();
    const y = frame.querySelector('.ladder-now').getBoundingClientRect().top;
    return y >= f.top && y <= f.bottom;
  });
  assert.ok(inView, 'the moment is in view of the presenter\'s ladder');
  await page.screenshot({ path: 'target/e2e/ladder-presenter.png' });
  await page.click('button:has-text("Presenter mode")');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('.ladder-bar button.download')]);
  assert.equal(download.suggestedFilename(), `ladder-session-${conn}.svg`);
  const svg = await (await import('node:fs/promises')).readFile(await download.path(), 'utf8');
  assert.match(svg, /^<\?xml version="1\.0"[^>]*\?>\s*<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<g class="arrow (command|reply|data)/g) ?? []).length, d.commands + d.replies + d.data);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a message\'s journey as a ladder: every host it crossed, the refused connection and the cut session marked', async () => {
  // MX fallback: the refused connection to the primary.
  let { page, problems } = await open('mx-fallback');
  await seekEnd(page);
  await openTab(page, 'Messages');
  await page.click('li.mailbox button:text-is("m1")');
  await openTab(page, 'Ladder');
  await page.waitForSelector('.ladder svg');
  let d = await drawn(page);
  for (const host of ['alice-laptop.example.com', 'smtp.example.com', 'mx1.example.org', 'mx2.example.org']) {
    assert.ok(d.heads.includes(host), `${host} in ${d.heads}`);
  }
  assert.ok(d.failed >= 1, 'the refused connection is marked');
  assert.match(await page.$eval('.ladder svg g.cross.failed title', (t) => t.textContent), /refused/);
  await page.screenshot({ path: 'target/e2e/ladder-journey.png' });
  assert.deepEqual(problems, []);
  await page.close();
  // RFC 1047: the session cut after the final dot.
  ({ page, problems } = await open('rfc1047-duplicate'));
  await seekEnd(page);
  await openTab(page, 'Messages');
  await page.click('li.mailbox button:text-is("m1") >> nth=0');
  await openTab(page, 'Ladder');
  await page.waitForSelector('.ladder svg');
  d = await drawn(page);
  assert.ok(d.cut >= 1, 'the cut session is marked');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the embed view=ladder shows the first message\'s journey', async () => {
  const { page, problems } = await openPage(ctx.browser, `${ctx.site.url}embed.html?scenario=mx-fallback&view=ladder`);
  await page.waitForSelector('.ladder svg', { timeout: 30000 });
  assert.equal(await page.getAttribute('.mxlab-shell', 'data-view'), 'ladder');
  assert.equal(await page.$('main.mxlab-stage'), null);
  assert.match(await page.textContent('.ladder-bar'), /The journey of message m1/);
  assert.ok((await drawn(page)).failed >= 1);
  await page.screenshot({ path: 'target/e2e/ladder-embed.png' });
  assert.deepEqual(problems, []);
  await page.close();
});
