// Mail authentication on the page: in the spoofing preset, the event list
// shows DMARC refusing the forged CEO mail (with its reason and RFC), and
// the message inspector shows each verdict and the Authentication-Results
// field the MX wrote; the quarantined forgery sits in the junk folder; the
// transcript's hover on the MX's 550 tells the verdicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser, openPreset, openTab } from './harness.mjs';

const ctx = siteAndBrowser();

test('spoofing: DMARC rejection in the event list, Authentication-Results in the inspector', async () => {
  const { page, problems } = await openPreset(ctx.browser, ctx.site.url, 'dmarc-spoofing', { width: 1366, height: 800 });
  await page.fill('input[aria-label="Timeline"]', '0');
  await openTab(page, 'Events');
  for (const c of ['SMTP', 'DNS', 'queue', 'fault', 'DSN']) {
    await page.click(`.events .filters label:has-text("${c}") input`);
  }
  const rows = page.locator('.event-list tbody tr');
  const classes = await rows.evaluateAll((rs) => rs.map((r) => r.className));
  assert.ok(classes.length >= 9 && classes.every((c) => c.includes('class-auth')), classes.join(' '));
  const reject = page.locator('.event-list tr', { hasText: 'DMARC fail (bank.example) → reject' });
  assert.equal(await reject.count(), 1);
  assert.equal(await reject.locator('.hosts').textContent(), 'mx.corp.example → mallory.attacker.example');
  assert.match(await reject.locator('.why').textContent(), /\(RFC 7489 §[\d.]+\)$/);
  const spf = page.locator('.event-list tr', { hasText: 'SPF fail (bank.example)' });
  assert.match(await spf.locator('.why').textContent(), /203\.0\.113\.66/);
  // A click on the verdict moves the clock to it.
  await reject.click();
  await page.waitForSelector('.event-list tr[aria-current=step]:has-text("DMARC fail (bank.example)")');
  await page.screenshot({ path: 'target/e2e/auth-events.png' });

  const max = await page.getAttribute('input[aria-label="Timeline"]', 'max');
  await page.fill('input[aria-label="Timeline"]', max);
  await openTab(page, 'Messages');
  const mailboxes = Object.fromEntries(await page.$$eval('li.mailbox', (els) => els.map((e) =>
    [e.getAttribute('data-mailbox'), [...e.querySelectorAll('li button')].map((b) => b.textContent)])));
  assert.deepEqual(mailboxes['bob@corp.example'], ['real', 'shop-forgery']);
  assert.deepEqual(mailboxes['bob@corp.example/junk'], ['parcel-forgery']);

  await page.click('li.mailbox button:text-is("real")');
  const real = await page.textContent('.inspector .auth-step');
  assert.match(real, /Authentication at mx\.corp\.example \(received from smtp\.bank\.example\)/);
  assert.match(real, /DKIM pass for bank\.example/);
  assert.match(real, /Authentication-Results: mx\.corp\.example;/);
  assert.match(real, /dmarc=pass/);
  await page.click('li.mailbox button:text-is("shop-forgery")');
  const shop = await page.textContent('.inspector .auth-step');
  assert.match(shop, /DMARC fail for shop\.example/);
  assert.match(shop, /dmarc=fail/);
  assert.match(shop, /spf=pass/);
  await page.screenshot({ path: 'target/e2e/auth-inspector.png', fullPage: true });

  // The transcript: the MX's 550 to the forgery tells the verdicts on hover.
  await openTab(page, 'Transcript');
  const session = await page.$$eval('select[aria-label="Session"] option', (os) =>
    os.find((o) => o.textContent.includes('mallory.attacker.example') && o.textContent.includes('mx.corp.example'))?.value);
  assert.ok(session, 'the forgery\'s session is listed');
  await page.selectOption('select[aria-label="Session"]', session);
  const refusal = page.locator('ol.transcript li', { hasText: '550 5.7.1' });
  await refusal.first().waitFor();
  const hover = await refusal.first().getAttribute('title');
  assert.match(hover, /Authentication:/);
  assert.match(hover, /SPF fail/);
  assert.match(hover, /DMARC fail: .*\(RFC 7489 §[\d.]+\)/);
  assert.deepEqual(problems, []);
  await page.close();
});
