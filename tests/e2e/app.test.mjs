// The simulator's main flows in real Chromium, each asserting what is on
// the page: play a preset to the end, scrub back, take the MX down mid-run,
// force a 550 and read the DSN, type SMTP into the console, render hostile
// scenario text as text, show a malformed scenario's problems at their
// paths, and run the main flow from the keyboard alone. Screenshots of the
// main views go to target/e2e/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { siteAndBrowser, openPreset, runs, runDone, openTab } from './harness.mjs';

const ctx = siteAndBrowser();

const open = (presetName) => openPreset(ctx.browser, ctx.site.url, presetName);

const clock = (page) => page.textContent('.transport .clock').then((t) => t.trim());
const clockMicros = (page) => page.getAttribute('.transport .clock', 'data-micros').then(Number);
const timeline = 'input[aria-label="Timeline"]';

async function seek(page, position) {
  await page.fill(timeline, String(position));
}

async function seekEnd(page) {
  const max = await page.getAttribute(timeline, 'max');
  await seek(page, max);
  return Number(max);
}

const tab = openTab;

/** The Scenario panel with its JSON editor showing. */
async function jsonEditor(page) {
  await tab(page, 'Scenario');
  await page.click('.mode button:has-text("JSON")');
}

async function transcriptLines(page) {
  return page.$$eval('ol.transcript li .line', (els) => els.map((e) => e.textContent));
}

test('a preset plays to the end: the mailbox holds the message, the timeline its markers', async () => {
  const { page, problems } = await open('relay-via-smarthost');
  assert.match(await page.textContent('.lesson h2'), /smarthost/i);
  await page.selectOption('select[aria-label=Speed]', '100');
  await page.click('button.play');
  // At 100× the run is over in a moment: it stops by itself at the end.
  const max = Number(await page.getAttribute(timeline, 'max'));
  await page.waitForFunction(
    ([sel, m]) => Number(document.querySelector(sel).value) === m,
    [timeline, max],
    { timeout: 30000 },
  );
  await page.waitForSelector('button.play[aria-label="Play (space)"]');
  assert.ok((await page.$$('.marker.delivered')).length >= 1, 'a delivered marker');

  await tab(page, 'Messages');
  const mailbox = page.locator('.mailbox[data-mailbox="bob@example.org"]');
  assert.match(await mailbox.textContent(), /m1/);
  await mailbox.locator('button').first().click();
  const hops = await page.$$eval('.inspector .hop pre', (els) => els.map((e) => e.textContent));
  assert.ok(hops.length >= 2, `the message crossed several hops: ${hops.length}`);
  const received = (h) => (h.match(/^Received:/gm) ?? []).length;
  assert.ok(received(hops[hops.length - 1]) > received(hops[0]), 'the Received chain grows hop by hop');

  await tab(page, 'Statistics');
  assert.equal(await page.textContent('[data-stat=delivered]'), '1');
  await page.screenshot({ path: 'target/e2e/played.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('scrubbing back shows the stage and transcript of the earlier time', async () => {
  const { page, problems } = await open('hello-smtp');
  const end = await seekEnd(page);
  const endClock = await clock(page);
  const full = await transcriptLines(page);
  assert.ok(full.some((l) => l.startsWith('221 ')), 'the last session ended with 221');
  assert.ok(await page.isVisible('g.host[data-host="mx.example.org"] .badge.mailbox'), 'the MX holds the mail');

  // Back to the middle: fewer lines, the current one highlighted, no mail yet.
  await seek(page, Math.floor(end / 2));
  const midClock = await clockMicros(page);
  assert.notEqual(await clock(page), endClock);
  const mid = await transcriptLines(page);
  assert.ok(mid.length > 0 && mid.length <= full.length, `${mid.length} of ${full.length} lines`);
  const current = await page.textContent('ol.transcript li.current .line');
  assert.equal(current, mid[mid.length - 1], 'the newest line is the current one');
  assert.equal(await page.isVisible('g.host[data-host="mx.example.org"] .badge.mailbox'), false);

  // Stepping moves event by event, and back.
  await page.click('button[aria-label="Next event (→)"]');
  const next = await clockMicros(page);
  assert.ok(next > midClock, `${next} > ${midClock}`);
  await page.click('button[aria-label="Previous event (←)"]');
  assert.ok((await clockMicros(page)) < next);

  // Forward again: the same end state as before.
  await seek(page, end);
  assert.equal(await clock(page), endClock);
  assert.ok(await page.isVisible('g.host[data-host="mx.example.org"] .badge.mailbox'));
  await page.screenshot({ path: 'target/e2e/scrubbed.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('taking the MX down mid-run: the message waits in the queue and is retried', async () => {
  const { page, problems } = await open('hello-smtp');
  // Just after the submission server queued the message.
  const max = Number(await page.getAttribute(timeline, 'max'));
  let pos = 0;
  for (; pos <= max; pos++) {
    await seek(page, pos);
    await tab(page, 'Queues');
    if (await page.isVisible('table.queue[data-host="smtp.example.com"]')) break;
  }
  assert.ok(pos < max, 'the submission server queued the message');
  // The moment before: the message is still on its way to the submission
  // server, which will try the MX as soon as it has it.
  await page.click('button[aria-label="Previous event (←)"]');
  const at = await clockMicros(page);
  await page.click('g.host[data-host="mx.example.org"]');
  const n = await runs(page);
  await page.click('.fault-menu button:has-text("Take down")');
  await runDone(page, n);
  assert.equal(await clockMicros(page), at, 'the fork starts where the fault struck');
  assert.equal((await page.$$('.marker.fork')).length, 1);
  assert.ok((await page.$$('.marker.deferred')).length >= 2, 'deferred again and again');
  assert.ok(await page.isVisible('button.restore'), 'the previous branch can be restored');

  // An hour later: the queue shows the attempts, the error and the next retry.
  await seekEnd(page);
  await tab(page, 'Queues');
  const row = page.locator('table.queue[data-host="smtp.example.com"] tbody tr').first();
  assert.ok(Number(await row.locator('.attempts').textContent()) >= 2);
  assert.match(await row.locator('.error').textContent(), /refused/);
  assert.match(await row.locator('.next').textContent(), /\d\d:\d\d:\d\d/);
  assert.equal(await page.getAttribute('g.host[data-host="mx.example.org"]', 'data-state'), 'down');
  await page.screenshot({ path: 'target/e2e/fault.png', fullPage: true });

  // Restoring the branch brings the delivery back.
  const before = (await page.$$('.marker.delivered')).length;
  await page.click('button.restore');
  assert.equal(before, 0);
  assert.equal((await page.$$('.marker.delivered')).length, 1);
  assert.deepEqual(problems, []);
  await page.close();
});

test('forcing a 550: the DSN reaches the sender, and the inspector shows it', async () => {
  const { page, problems } = await open();
  // The unknown-user preset, sent to a mailbox that exists: it would be delivered.
  const text = await readFile('crates/mxlab-sim/scenarios/unknown-user-bounce.json', 'utf8');
  const scenario = JSON.parse(text);
  scenario.messages[0].rcpt_to = ['bob@example.org'];
  await jsonEditor(page);
  await page.fill('#scenario-json', JSON.stringify(scenario, null, 2));
  let n = await runs(page);
  await page.click('button.apply');
  await runDone(page, n);

  await page.click('g.host[data-host="mx.example.org"]');
  await page.selectOption('select[aria-label="Reply code"]', '550');
  await page.selectOption('select[aria-label=Stage]', 'rcpt');
  n = await runs(page);
  await page.click('.fault-menu button:has-text("Force reply")');
  await runDone(page, n);
  await seekEnd(page);
  assert.ok((await page.$$('.marker.bounced')).length >= 1, 'a bounce on the timeline');

  await tab(page, 'Messages');
  const alice = page.locator('.mailbox[data-mailbox="alice@example.com"]');
  assert.match(await alice.textContent(), /delivery status notification/);
  assert.equal(await page.locator('.mailbox[data-mailbox="bob@example.org"]').count(), 0);
  await alice.locator('li.dsn button').click();
  const report = await page.textContent('.inspector .dsn-report');
  assert.match(report, /about m1/);
  assert.match(report, /Final-Recipient: rfc822; bob@example\.org/);
  assert.match(report, /Action: failed/);
  assert.match(report, /Diagnostic-Code: smtp; 550/);
  assert.match(await page.textContent('.inspector .envelope'), /MAIL FROM:<>/);
  await page.screenshot({ path: 'target/e2e/dsn.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a console session typed by hand is answered, and its mail delivered', async () => {
  const { page, problems } = await open('hello-smtp');
  await tab(page, 'Console');
  await page.selectOption('select[aria-label="Console host"]', 'mx.example.org');
  await page.click('.console-bar button');
  const log = () => page.$$eval('.console-log li', (els) => els.map((e) => e.textContent));
  const send = async (line) => {
    await page.fill('input[aria-label="SMTP line"]', line);
    await page.press('input[aria-label="SMTP line"]', 'Enter');
  };
  await page.waitForSelector('.console-log li.server');
  assert.match((await log()).find((l) => l.startsWith('S:')), /^S:220 mx\.example\.org/);
  for (const [line, reply] of [
    ['HELO student.example', /^S:250 /],
    ['MAIL FROM:<student@example.net>', /^S:250 2\.1\.0/],
    ['RCPT TO:<nobody@example.org>', /^S:550 /],
    ['RCPT TO:<bob@example.org>', /^S:250 2\.1\.5/],
    ['DATA', /^S:354 /],
  ]) {
    await send(line);
    const last = (await log()).at(-1);
    assert.match(last, reply, `${line} -> ${last}`);
  }
  const n = await runs(page);
  for (const line of ['Subject: typed by hand', '', 'Hello Bob, from the console.']) await send(line);
  await send('.');
  await runDone(page, n);
  const lines = await log();
  assert.ok(lines.some((l) => /^S:250 2\.0\.0 Ok: queued as C000001/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /queued it as console-1/.test(l)));
  await send('QUIT');
  assert.match((await log()).at(-2), /^S:221 /);
  await page.screenshot({ path: 'target/e2e/console.png', fullPage: true });

  await seekEnd(page);
  await tab(page, 'Messages');
  const bob = await page.textContent('.mailbox[data-mailbox="bob@example.org"]');
  assert.match(bob, /console-1/);
  assert.match(bob, /m1/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('lines pasted into the console are sent one by one, as nc sends them', async () => {
  const { page, problems } = await open('hello-smtp');
  await tab(page, 'Console');
  await page.selectOption('select[aria-label="Console host"]', 'mx.example.org');
  await page.click('.console-bar button');
  await page.waitForSelector('.console-log li.server');
  const input = 'input[aria-label="SMTP line"]';
  await page.fill(input, 'HE');
  // A paste of three whole lines and the start of a fourth, after what
  // was typed.
  await page.$eval(input, (el) => {
    const data = new DataTransfer();
    data.setData('text/plain', 'LO student.example\r\nNOOP\nRSET\r\nMAIL FR');
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  const lines = await page.$$eval('.console-log li', (els) => els.map((e) => e.textContent));
  const sent = lines.filter((l) => l.startsWith('C:'));
  assert.deepEqual(sent, ['C:HELO student.example', 'C:NOOP', 'C:RSET']);
  const replies = lines.filter((l) => l.startsWith('S:')).slice(1);
  assert.equal(replies.length, 3, lines.join('\n'));
  for (const r of replies) assert.match(r, /^S:250 /);
  // The rest waits in the field, and is sent as typed with Enter.
  assert.equal(await page.inputValue(input), 'MAIL FR');
  await page.press(input, 'End');
  await page.keyboard.type('OM:<student@example.net>');
  await page.press(input, 'Enter');
  assert.match((await page.$$eval('.console-log li', (els) => els.map((e) => e.textContent))).at(-1), /^S:250 2\.1\.0/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('hostile scenario text renders as text: no markup, no dialog', async () => {
  const { page, problems } = await open();
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  const x = '<img src=x onerror=alert(1)>';
  const base = JSON.parse(await readFile('crates/mxlab-sim/scenarios/hello-smtp.json', 'utf8'));
  await jsonEditor(page);

  // As a host name: refused, with the problem shown as text.
  const bad = structuredClone(base);
  bad.nodes[0].name = x;
  await page.fill('#scenario-json', JSON.stringify(bad));
  await page.click('button.apply');
  await page.waitForSelector('.problem');
  assert.match(await page.textContent('.problem .path'), /nodes\[0\]\.name/);

  // As title, lesson, header and body: accepted, and shown literally.
  const ok = structuredClone(base);
  ok.name = x;
  ok.lesson = `lesson ${x}`;
  ok.messages[0].headers.push({ name: 'Subject', value: x });
  ok.messages[0].body = `${x}\r\n`;
  const n = await runs(page);
  await page.fill('#scenario-json', JSON.stringify(ok));
  await page.click('button.apply');
  await runDone(page, n);
  assert.equal(await page.textContent('.lesson h2'), x);
  assert.equal(await page.textContent('.lesson p'), `lesson ${x}`);
  await seekEnd(page);
  await tab(page, 'Transcript');
  // The MX session carries the body.
  const sessions = await page.$$eval('select[aria-label=Session] option', (o) => o.map((e) => e.value));
  await page.selectOption('select[aria-label=Session]', sessions.at(-1));
  const lines = await transcriptLines(page);
  assert.ok(lines.includes(x), 'the body line is shown as typed');
  assert.ok(lines.includes(`Subject: ${x}`));
  assert.equal(await page.locator('img').count(), 0, 'no element was made from scenario text');
  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a malformed scenario shows each problem at its path; the page keeps working', async () => {
  const { page, problems } = await open('hello-smtp');
  await jsonEditor(page);
  const s = JSON.parse(await readFile('crates/mxlab-sim/scenarios/hello-smtp.json', 'utf8'));
  s.nodes[0].role = 'router';
  await page.fill('#scenario-json', JSON.stringify(s, null, 2));
  await page.click('button.apply');
  await page.waitForSelector('.problem');
  assert.match(await page.textContent('.problem .path'), /^\$\.nodes\[0\]\.role$/);
  // "line N" selects the offending line in the editor.
  await page.click('.problem .goto');
  const selected = await page.evaluate(() => {
    const t = document.querySelector('#scenario-json');
    return [document.activeElement === t, t.value.slice(t.selectionStart, t.selectionEnd)];
  });
  assert.deepEqual(selected, [true, '      "role": "router",']);
  assert.match(await page.textContent('.problem .message'), /router/);
  assert.match(await page.textContent('[role=alert]'), /problem/);
  assert.equal(await page.getAttribute('#scenario-json', 'aria-invalid'), 'true');

  // Several semantic problems at once, each with its path.
  const t = JSON.parse(await readFile('crates/mxlab-sim/scenarios/hello-smtp.json', 'utf8'));
  t.messages[0].from = 'nowhere.example';
  t.dns.resolver = 'nobody.example';
  await page.fill('#scenario-json', JSON.stringify(t));
  await page.click('button.apply');
  await page.waitForFunction(() => document.querySelectorAll('.problem').length >= 2);
  const paths = await page.$$eval('.problem .path', (els) => els.map((e) => e.textContent));
  assert.ok(paths.some((p) => p.includes('messages[0].from')), paths.join(' '));
  assert.ok(paths.some((p) => p.includes('dns.resolver')), paths.join(' '));

  // Truncated JSON: the line and column are given.
  await page.fill('#scenario-json', '{"horizon_secs": 10, "nodes": [');
  await page.click('button.apply');
  await page.waitForFunction(() => /line 1, column/.test(document.querySelector('.problem')?.textContent ?? ''));
  await page.screenshot({ path: 'target/e2e/scenario-error.png', fullPage: true });

  // The last good run is still on stage and still plays.
  await page.click('.banner .dismiss');
  assert.equal(await page.locator('[role=alert]').count(), 0);
  assert.equal(await page.locator('g.host').count(), 4);
  await page.click('button[aria-label="Next event (→)"]');
  assert.ok((await clockMicros(page)) > 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the main flow runs from the keyboard alone', async () => {
  const { page, problems } = await open();
  // Reach the preset picker with Tab and change it with the arrow keys.
  let found = false;
  for (let i = 0; i < 10 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await page.evaluate(() => document.activeElement?.id === 'preset');
  }
  assert.ok(found, 'the preset picker is in the focus order');
  let n = await runs(page);
  await page.keyboard.press('ArrowDown');
  await runDone(page, n);
  assert.equal(await page.inputValue('#preset'), 'submission-starttls-auth');

  // Shortcuts work once focus is off the form controls.
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const stepped = await clockMicros(page);
  assert.ok(stepped > 0);
  await page.keyboard.press('ArrowLeft');
  assert.ok((await clockMicros(page)) < stepped);
  await page.keyboard.press('Home');
  assert.equal(await clockMicros(page), 0);
  await page.selectOption('select[aria-label=Speed]', '10000');
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press(' ');
  // Space played it to the end, where it stops by itself.
  await page.waitForFunction((sel) => {
    const t = document.querySelector(sel);
    return t.value === t.max;
  }, timeline, { timeout: 30000 });
  await page.waitForSelector('button.play[aria-label="Play (space)"]');

  // `f` opens the fault menu with focus on its first action; Enter fires it.
  await page.keyboard.press('Home');
  await page.keyboard.press('f');
  await page.waitForFunction(() => document.activeElement?.id === 'fault-menu-first');
  n = await runs(page);
  await page.keyboard.press('Enter');
  await runDone(page, n);
  assert.equal((await page.$$('.marker.fork')).length, 1);

  // Tabs are buttons in the focus order too.
  await page.focus('#tab-queues');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('#tab-queues', 'aria-selected'), 'true');
  assert.deepEqual(problems, []);
  await page.close();
});

test('presenter mode and the dark theme restyle the page', async () => {
  const { page, problems } = await open('mx-fallback');
  await page.click('button:has-text("Dark theme")');
  await page.click('button:has-text("Presenter mode")');
  assert.ok(await page.locator('.mxlab-shell.dark.presenter').count());
  const size = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.mxlab-shell')).fontSize));
  assert.ok(size >= 20, `large type: ${size}px`);
  const bg = await page.evaluate(() => getComputedStyle(document.querySelector('.mxlab-shell')).backgroundColor);
  assert.equal(bg, 'rgb(13, 17, 23)');
  await seekEnd(page);
  await page.screenshot({ path: 'target/e2e/presenter-dark.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('the form editor adds a message and shows a problem at its field', async () => {
  const { page, problems } = await open('hello-smtp');
  await tab(page, 'Scenario');
  assert.equal(await page.getAttribute('.mode button:has-text("Form")', 'aria-pressed'), 'true');
  // A second message to a new mailbox on the MX.
  const hello = JSON.parse(await readFile('crates/mxlab-sim/scenarios/hello-smtp.json', 'utf8'));
  const mx = hello.nodes.findIndex((n) => n.name === 'mx.example.org');
  const mxRow = page.locator('fieldset.rows:has(legend:text("Hosts")) .row').nth(mx);
  assert.equal(await mxRow.locator('[data-pointer$="/name"] input').inputValue(), 'mx.example.org');
  await mxRow.locator('[data-pointer$="/policy/mailboxes"] input').fill('bob@example.org, carol@example.org');
  await mxRow.locator('[data-pointer$="/policy/mailboxes"] input').press('Tab');
  await page.click('fieldset.rows:has(legend:text("Messages")) button.add');
  const msg = page.locator('fieldset.rows:has(legend:text("Messages")) .row').nth(1);
  for (const [field, value] of [['/id', 'm2'], ['/mail_from', 'alice@example.com'], ['/rcpt_to', 'carol@example.org']]) {
    const input = msg.locator(`[data-pointer$="${field}"] input`);
    await input.fill(value);
    await input.press('Tab');
  }
  // The MUA is picked from the scenario's MUAs, not typed.
  const from = msg.locator('[data-pointer$="/from"] select');
  assert.deepEqual(await from.locator('option').allTextContents(), ['(none)', 'alice-laptop.example.com']);
  await from.selectOption('alice-laptop.example.com');
  // A resolver's row shows no mailboxes and no smarthost.
  const resolver = page.locator('fieldset.rows:has(legend:text("Hosts")) .row').nth(hello.nodes.findIndex((n) => n.role === 'resolver'));
  assert.equal(await resolver.locator('[data-pointer$="/policy/mailboxes"]').count(), 0);
  assert.equal(await resolver.locator('[data-pointer$="/policy/relay/smarthost"]').count(), 0);
  let n = await runs(page);
  await page.click('.form-actions button.apply');
  await runDone(page, n);
  await seekEnd(page);
  await tab(page, 'Messages');
  assert.match(await page.textContent('.mailbox[data-mailbox="carol@example.org"]'), /m2/);

  // A wrong value: the problem shows beside the field that holds it.
  await tab(page, 'Scenario');
  const first = page.locator('fieldset.rows:has(legend:text("Messages")) .row').first();
  await first.locator('[data-pointer$="/mail_from"] input').fill('nowhere.example');
  await first.locator('[data-pointer$="/mail_from"] input').press('Tab');
  await page.click('.form-actions button.apply');
  await page.waitForSelector('.field.invalid');
  assert.match(await page.getAttribute('.field.invalid', 'data-pointer'), /^\/messages\/0\/mail_from$/);
  assert.ok((await page.textContent('.field.invalid .problem')).length > 0);
  await page.screenshot({ path: 'target/e2e/form.png', fullPage: true });
  // Removing the message clears it; Reset brings the loaded scenario back.
  await page.click('.form-actions button:has-text("Reset")');
  assert.equal(await page.locator('.field.invalid').count(), 0);
  assert.equal(await page.locator('fieldset.rows:has(legend:text("Messages")) .row').count(), 2);
  await page.click('button[aria-label="Remove messages 2"]');
  assert.equal(await page.locator('fieldset.rows:has(legend:text("Messages")) .row').count(), 1);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a scenario file imports, and the scenario, trace and transcripts export', async () => {
  const { page, problems } = await open();
  await tab(page, 'Scenario');
  const text = await readFile('crates/mxlab-sim/scenarios/greylisting.json', 'utf8');
  const n = await runs(page);
  await page.setInputFiles('input[type=file]', { name: 'greylisting.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await runDone(page, n);
  assert.equal(await page.textContent('.lesson h2'), JSON.parse(text).name);

  const download = async (label) => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(`button:has-text("${label}")`)]);
    const path = await d.path();
    return { name: d.suggestedFilename(), text: await readFile(path, 'utf8') };
  };
  const scenario = await download('Export scenario');
  assert.equal(scenario.name, 'scenario.json');
  assert.equal(JSON.parse(scenario.text).name, JSON.parse(text).name);
  const trace = await download('Export trace');
  assert.ok(JSON.parse(trace.text).events.length > 10);
  const transcripts = await download('Export transcripts');
  assert.match(transcripts.text, /^# conn 1: \S+ -> \S+:(25|587) at /m, 'as mxlab transcript writes it, with the port');
  assert.match(transcripts.text, /^S: 4\d\d /m, 'the greylisting refusal is in the transcript');

  // A file that is not a scenario: a clear error, the current one stays.
  await page.setInputFiles('input[type=file]', { name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('not json') });
  await page.waitForSelector('.problem');
  assert.equal(await page.textContent('.lesson h2'), JSON.parse(text).name);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a long run computes in slices behind a progress bar; the page stays responsive', async () => {
  const { page, problems } = await open();
  // 20,000 messages to 10 domains over an hour, two MX hosts down for it.
  const nodes = [
    { name: 'mua.example.com', role: 'mua', policy: { relay: { smarthost: 'smtp.example.com' } } },
    { name: 'smtp.example.com', role: 'submission', addresses: ['10.0.0.1'], policy: { relay: { allow_from: ['mua.example.com'] } } },
    { name: 'resolver.example.net', role: 'resolver' },
  ];
  const domains = [];
  for (let d = 0; d < 10; d++) {
    nodes.push({ name: `mx.d${d}.example`, role: 'mx', addresses: [`10.1.0.${d + 1}`], policy: { destination_domains: [`d${d}.example`], mailboxes: [{ address: `user@d${d}.example` }] } });
    domains.push({ name: `d${d}.example`, mx: [{ preference: 10, exchange: `mx.d${d}.example` }] }, { name: `mx.d${d}.example`, a: [`10.1.0.${d + 1}`] });
  }
  const messages = Array.from({ length: 20000 }, (_, i) => ({
    id: `m${i}`, from: 'mua.example.com', at_secs: i % 3600, mail_from: 'alice@example.com', rcpt_to: [`user@d${i % 10}.example`], body: 'x\r\n',
  }));
  const faults = [0, 1].map((d) => ({ at_secs: 0, until_secs: 3600, fault: { kind: 'host_down', host: `mx.d${d}.example` } }));
  const scenario = { name: 'twenty thousand', horizon_secs: 86400, nodes, dns: { resolver: 'resolver.example.net', domains }, messages, faults };
  await tab(page, 'Scenario');
  const n = await runs(page);
  await page.setInputFiles('input[type=file]', { name: 'big.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(scenario)) });
  await page.waitForSelector('[role=progressbar]');
  // While it computes, the page answers: a tab opens within a moment.
  await page.click('#tab-statistics');
  await page.waitForSelector('#tab-statistics[aria-selected="true"]', { timeout: 3000 });
  assert.equal(await page.evaluate(() => document.body.dataset.mxlabState), 'computing', 'the run was still computing');
  const progress = Number(await page.getAttribute('[role=progressbar]', 'aria-valuenow'));
  assert.ok(progress >= 0 && progress < 100, `progress ${progress}%`);
  await runDone(page, n);
  assert.equal(await page.textContent('[data-stat=delivered]'), '20000');
  assert.equal(await page.textContent('[data-stat=queued]'), '0');
  assert.ok(await page.isVisible('svg[aria-label="Delivery latency"] rect'));
  await page.screenshot({ path: 'target/e2e/statistics.png', fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('on the wire: plain text before STARTTLS, ciphertext after; hosts can be dragged', async () => {
  const { page, problems } = await open('submission-starttls-auth');
  await seekEnd(page);
  await tab(page, 'On the wire');
  const sessions = await page.$$eval('select[aria-label=Session] option', (o) => o.map((e) => e.value));
  await page.selectOption('select[aria-label=Session]', sessions[0]);
  const lines = await page.$$eval('ol.transcript.wire li', (els) =>
    els.map((e) => ({ text: e.querySelector('.line').textContent, encrypted: e.classList.contains('encrypted') })),
  );
  const starttls = lines.findIndex((l) => l.text.startsWith('STARTTLS'));
  assert.ok(starttls > 0, 'the session upgraded with STARTTLS');
  assert.ok(lines.slice(0, starttls + 2).every((l) => !l.encrypted && l.text.endsWith('<CR><LF>')));
  const after = lines.slice(starttls + 2);
  assert.ok(after.length > 5 && after.every((l) => l.encrypted && /^[0-9a-f]+$/.test(l.text)), 'ciphertext after the handshake');
  assert.ok(!after.some((l) => /AUTH|MAIL FROM/.test(l.text)), 'nothing readable after STARTTLS');
  // The transcript view of the same session still reads as SMTP.
  await tab(page, 'Transcript');
  const plain = await transcriptLines(page);
  assert.ok(plain.some((l) => l.startsWith('AUTH ')), plain.join('\n'));

  // Drag a host across the stage.
  const host = page.locator('g.host[data-host="smtp.example.com"]');
  const before = await host.getAttribute('transform');
  const box = await host.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 80, { steps: 5 });
  await page.mouse.up();
  assert.notEqual(await host.getAttribute('transform'), before);
  // Pan by dragging the background, zoom with the wheel; Fit undoes both.
  const svg = page.locator('main.mxlab-stage svg');
  const vb0 = await svg.getAttribute('viewBox');
  const stage = await svg.boundingBox();
  await page.mouse.move(stage.x + 20, stage.y + stage.height - 20);
  await page.mouse.down();
  await page.mouse.move(stage.x + 120, stage.y + stage.height - 60, { steps: 5 });
  await page.mouse.up();
  const vb1 = await svg.getAttribute('viewBox');
  assert.notEqual(vb1, vb0, 'panned');
  assert.equal(vb1.split(' ')[2], vb0.split(' ')[2], 'same zoom');
  await page.mouse.move(stage.x + stage.width / 2, stage.y + stage.height / 2);
  await page.mouse.wheel(0, -200);
  await page.waitForFunction((w) => document.querySelector('main.mxlab-stage svg').getAttribute('viewBox').split(' ')[2] !== w, vb1.split(' ')[2]);
  assert.ok(Number((await svg.getAttribute('viewBox')).split(' ')[2]) < Number(vb0.split(' ')[2]), 'zoomed in');
  await page.click('button[aria-label="Reset the layout"]');
  assert.equal(await host.getAttribute('transform'), before);
  assert.equal(await svg.getAttribute('viewBox'), vb0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the drawing and the transcript name the port of each session: 587, 465 and 25', async () => {
  const { page, problems } = await open('submission-ports');
  const max = Number(await page.getAttribute(timeline, 'max'));
  const seen = new Set();
  for (let p = 0; p <= max; p += Math.max(1, Math.floor(max / 400))) {
    await seek(page, p);
    for (const port of await page.$$eval('.link.open .port', (els) => els.map((e) => e.dataset.port))) seen.add(port);
  }
  for (const port of ['587', '465', '25']) assert.ok(seen.has(port), `port ${port} drawn on an open link (saw ${[...seen]})`);
  await seekEnd(page);
  await tab(page, 'Transcript');
  const options = await page.$$eval('select[aria-label=Session] option', (o) => o.map((e) => e.textContent));
  assert.ok(options.some((o) => /→ \S+:587 at /.test(o)), options.join('\n'));
  assert.ok(options.some((o) => /→ \S+:465 at /.test(o)), options.join('\n'));
  assert.ok(options.some((o) => /→ \S+:25 at /.test(o)), options.join('\n'));
  assert.deepEqual(problems, []);
  await page.close();
});
