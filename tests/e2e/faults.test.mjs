// A fault strikes what is in flight, in real Chromium through the page's
// own controls: in "Hello SMTP", pause while the submission server's
// session with the MX is in DATA (the 354 has arrived, the final dot has
// not), take the MX down from its fault menu. The session's transcript ends
// with the connection-lost marker, the submission server's queue shows the
// deferral and why, and once the MX is brought back up (from the menu
// again) the message reaches Bob's mailbox, once. Then the same through
// share links: of the cut (brought up in the new page), and of the whole
// story (every change made by hand restored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { siteAndBrowser, openPage, runs, runDone, openTab } from './harness.mjs';

const ctx = siteAndBrowser();

const MSA = 'smtp.example.com';
const MX = 'mx.example.org';
const timeline = 'input[aria-label="Timeline"]';
const micros = (page) => page.getAttribute('.transport .clock', 'data-micros').then(Number);
const position = (page) => page.inputValue(timeline).then(Number);
const tab = (page, name) => openTab(page, name);

/** The transcript's lines as shown: [class of the line, its text]. */
const transcript = (page) =>
  page.$$eval('ol.transcript li', (els) => els.map((e) => [e.className, e.querySelector('.line').textContent]));

/** The value of the MSA → MX session in the session picker, if it has started. */
async function relaySession(page) {
  const options = await page.$$eval('select[aria-label=Session] option', (os) =>
    os.map((o) => [o.value, o.textContent]),
  );
  return options.find(([, text]) => text.includes(`${MSA} → ${MX}`))?.[0];
}

/** Shows the MSA → MX session's transcript (it must have started). */
async function showRelay(page) {
  await tab(page, 'Transcript');
  const relay = await relaySession(page);
  assert.ok(relay, 'the MSA → MX session has started');
  await page.selectOption('select[aria-label=Session]', relay);
}

/** Clicks a host and one action of its fault menu, and waits for the branch. */
async function fromMenu(page, host, action) {
  await page.click(`g.host[data-host="${host}"]`);
  const n = await runs(page);
  await page.click(`.fault-menu button:has-text("${action}")`);
  await runDone(page, n);
}

/** Asserts the relay's transcript ends with the marker of the cut, in DATA. */
async function assertCut(page) {
  await showRelay(page);
  const lines = await transcript(page);
  const [cls, text] = lines.at(-1);
  assert.match(cls, /\bcut\b/, JSON.stringify(lines));
  assert.match(text, /^connection reset \(mx\.example\.org went down/, text);
  assert.ok(lines.some(([, l]) => l.startsWith('354 ')), 'the cut came after the 354');
  assert.ok(!lines.some(([, l]) => l === '.' || l.startsWith('250 2.0.0')), 'before the final dot and its reply');
  assert.equal(lines.filter(([c]) => /\bcut\b/.test(c)).length, 1);
  // The marker is no C:/S: line: the hover explains it with its RFC.
  const title = await page.getAttribute('ol.transcript li.cut', 'title');
  assert.match(title, /RFC 5321/);
  assert.equal(await page.textContent('ol.transcript li.cut .who'), '✕');
}

/** Asserts the MSA's queue holds m1, deferred after the cut, with its reason. */
async function assertDeferred(page) {
  await tab(page, 'Queues');
  const row = page.locator(`table.queue[data-host="${MSA}"] tbody tr`, { hasText: 'm1' });
  assert.equal(await row.count(), 1, 'm1 waits in the submission server\'s queue');
  assert.ok(Number(await row.locator('.attempts').textContent()) >= 1);
  const error = (await row.locator('.error').textContent()).trim();
  assert.match(error, /^4\d\d /, `a temporary failure with its reason: ${error}`);
  assert.match(await row.locator('.next').textContent(), /\d\d:\d\d:\d\d/);
  return error;
}

/** Plays to the end at 1000× and asserts Bob holds m1 exactly once. */
async function playToEndAndAssertDeliveredOnce(page) {
  await page.selectOption('select[aria-label=Speed]', '1000');
  await page.click('button.play');
  const max = Number(await page.getAttribute(timeline, 'max'));
  await page.waitForFunction(([sel, m]) => Number(document.querySelector(sel).value) === m, [timeline, max], {
    timeout: 30000,
  });
  await assertDeliveredOnce(page);
}

async function assertDeliveredOnce(page) {
  await tab(page, 'Messages');
  const ids = await page.$$eval(`.mailbox[data-mailbox="bob@example.org"] li button`, (bs) =>
    bs.map((b) => b.textContent.trim()),
  );
  assert.deepEqual(ids, ['m1'], 'Bob has the message, once');
  await tab(page, 'Statistics');
  assert.equal(await page.textContent('[data-stat=delivered]'), '1');
}

/** Opens a share link in a fresh page and waits for its run. */
async function openLink(link) {
  const other = await openPage(ctx.browser, link);
  // A page opened on a link computes the link's run first.
  await runDone(other.page, 0);
  assert.equal(await other.page.textContent('.lesson h2'), 'Hello SMTP');
  return other;
}

async function shareLink(page) {
  await page.click('button.share');
  await page.waitForSelector('#share-link');
  const link = await page.inputValue('#share-link');
  assert.ok(link.includes('#v1.'), link);
  await page.click('.share-dialog button.close');
  return link;
}

test('the MX taken down in DATA cuts the session, the message waits, and is delivered once it is back', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await page.setViewportSize({ width: 1366, height: 800 });
  await runDone(page, 0);
  let n = await runs(page);
  await page.selectOption('#preset', 'hello-smtp');
  await runDone(page, n);
  await tab(page, 'Transcript');

  // Scrub event by event to the moment the 354 reaches the submission
  // server: the session is in DATA, the final dot not yet at the MX.
  const max = Number(await page.getAttribute(timeline, 'max'));
  let picked = false;
  let pos = 1;
  for (; pos <= max; pos++) {
    await page.fill(timeline, String(pos));
    if (!picked) {
      if (!(await relaySession(page))) continue;
      await showRelay(page);
      picked = true;
    }
    const lines = await transcript(page);
    if (lines.at(-1)?.[1].startsWith('354 ')) break;
  }
  assert.ok(pos < max, 'the relay session reached DATA');
  const cutAt = await micros(page);
  assert.equal(await page.getAttribute(`g.host[data-host="${MX}"]`, 'data-state'), 'busy');

  await fromMenu(page, MX, 'Take down');
  assert.equal(await micros(page), cutAt, 'the branch starts where the fault struck');
  assert.equal(await page.getAttribute(`g.host[data-host="${MX}"]`, 'data-state'), 'down');
  assert.equal((await page.$$('.marker.fork')).length, 1);
  // The reset reaches the submission server over the link: step to it.
  await showRelay(page);
  for (let i = 0; i < 10 && !(await page.$('ol.transcript li.cut')); i++) {
    await page.click('button[aria-label="Next event (→)"]');
  }
  const cutShown = await micros(page);
  const cutShownPos = await position(page);
  assert.ok(cutShown > cutAt, `${cutShown} > ${cutAt}`);
  await assertCut(page);
  await mkdir('/tmp/shots', { recursive: true });
  await page.locator('ol.transcript li.cut').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'target/e2e/cut-session.png' });
  await copyFile('target/e2e/cut-session.png', '/tmp/shots/cut-session.png');

  // The deferral follows the cut: step to it.
  for (let i = 0; i < 20; i++) {
    await tab(page, 'Queues');
    const error = page.locator(`table.queue[data-host="${MSA}"] tbody tr .error`);
    if ((await error.count()) && (await error.first().textContent()).trim()) break;
    await page.click('button[aria-label="Next event (→)"]');
  }
  const reason = await assertDeferred(page);
  await page.click('.fault-menu button.close');
  // Share this moment: the cut, the queue, the MX still down.
  const cutLink = await shareLink(page);

  // A little later, bring the MX back up from its menu, and play on.
  await page.click('button[aria-label="Next event (→)"]');
  const upAt = await micros(page);
  await fromMenu(page, MX, 'Bring up');
  assert.equal(await micros(page), upAt);
  assert.notEqual(await page.getAttribute(`g.host[data-host="${MX}"]`, 'data-state'), 'down');
  assert.equal((await page.$$('.marker.fork')).length, 2);
  await playToEndAndAssertDeliveredOnce(page);
  const end = await position(page);
  // The cut is still there, earlier in the same branch.
  await page.fill(timeline, String(cutShownPos));
  assert.equal(await micros(page), cutShown);
  await assertCut(page);
  await page.fill(timeline, String(end));
  const storyLink = await shareLink(page);
  const storyAt = await micros(page);

  // The link of the cut: the same moment, the same transcript and queue;
  // brought up there too, the message arrives once.
  {
    const { page: other, problems: otherProblems } = await openLink(cutLink);
    assert.equal(await other.getAttribute(`g.host[data-host="${MX}"]`, 'data-state'), 'down');
    await assertCut(other);
    assert.equal(await assertDeferred(other), reason);
    await other.click('button[aria-label="Next event (→)"]');
    await fromMenu(other, MX, 'Bring up');
    await playToEndAndAssertDeliveredOnce(other);
    assert.deepEqual(otherProblems, []);
    await other.close();
  }

  // The link of the whole story: both changes made by hand come back.
  {
    const { page: other, problems: otherProblems } = await openLink(storyLink);
    assert.equal(await micros(other), storyAt);
    assert.equal((await other.$$('.marker.fork')).length, 2);
    await assertDeliveredOnce(other);
    await other.fill(timeline, String(cutShownPos));
    assert.equal(await micros(other), cutShown);
    await assertCut(other);
    assert.deepEqual(otherProblems, []);
    await other.close();
  }
  assert.deepEqual(problems, []);
  await page.close();
});
