// Every preset's lesson comes true on the page: for each of the 19
// presets, at the end of its run, the mailboxes hold what its lesson
// promises, and the timeline's markers say the deferrals, bounces and
// deliveries it describes, at the moments it gives. What a lecturer shows
// on the projector must be what the lesson text says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser, openPage, runs, runDone, openTab } from './harness.mjs';

const ctx = siteAndBrowser();

const DSN = ' (delivery status notification)';

// For each preset: the mailboxes at the end (address → message ids, in
// order), the markers that must be on the timeline, and those that must
// not, each a regular expression over "time: label".
const LESSONS = {
  'hello-smtp': {
    mailboxes: { 'bob@example.org': ['m1'] },
    markers: [/^00:00:01\.\d{3}: delivered to bob@example\.org$/],
  },
  'submission-starttls-auth': {
    // The second message is deferred (454 4.7.8) while logins fail, not
    // bounced, and goes out once the fault ends.
    mailboxes: { 'bob@example.org': ['m1', 'm2'] },
    markers: [
      /^02:00:00\.000: fault on: AUTH fails on smtp\.example\.com$/,
      /: m2 bob@example\.org deferred on alice-laptop\.example\.com: 454 4\.7\.8 Authentication failed \(535 5\.7\.8 /,
      /^02:30:00\.000: fault off: AUTH fails/,
      /^02:[3-5]\d:\d\d\.\d{3}: delivered to bob@example\.org$/,
    ],
    absent: [/bounced/],
  },
  'submission-ports': {
    // Alice (587) and Carol (465) get through; Dave's port 25 is blocked:
    // his SYN is dropped and every attempt times out.
    mailboxes: { 'bob@example.org': ['m1', 'm2'] },
    markers: [
      /^00:00:00\.000: fault on: outbound port 25 blocked for dave-desktop\.example\.com$/,
      /: m3 bob@example\.org deferred on dave-desktop\.example\.com: 451 4\.4\.1 connect to mx\.example\.org:25: connection timed out/,
    ],
  },
  'expiry-bounce': {
    // Retries at 600, 1200, 2400, 4800 s, then every 4200 s; a DSN to
    // Alice after 5 days, and nothing for Bob.
    mailboxes: { 'alice@example.com': [`m1.dsn${DSN}`] },
    markers: [
      /^00:10:00\.\d{3}: m1 bob@example\.org deferred on smtp\.example\.com: 451 4\.4\.1 .*connection refused/,
      /^00:20:00\.\d{3}: m1 .* deferred/,
      /^00:40:00\.\d{3}: m1 .* deferred/,
      /^01:20:00\.\d{3}: m1 .* deferred/,
      /^02:30:00\.\d{3}: m1 .* deferred/,
      /^03:40:00\.\d{3}: m1 .* deferred/,
      /^5d 00:\d\d:\d\d\.\d{3}: m1 bob@example\.org bounced on smtp\.example\.com: 554 4\.4\.7 message expired after 5 days/,
    ],
    absent: [/delivered to bob/],
  },
  'smtp-smuggling': {
    // The lenient MX files a forged second message; the strict one
    // refuses (550 5.5.2) and Mallory's DSN reaches her own mailbox.
    mailboxes: { 'bob@lenient.example': ['m1', 'm1.smuggled1'], 'mallory@example.net': [`m1.dsn${DSN}`] },
    markers: [/: m1 carol@strict\.example bounced on smtp\.example\.net: 550 5\.5\.2 /, /: delivered to mallory@example\.net$/],
  },
  'relay-via-smarthost': {
    mailboxes: { 'bob@example.org': ['m1'] },
    markers: [/: delivered to bob@example\.org$/],
    // The Received: chain grows by one line per hop: three hops, each
    // carrying one line more than the one before it (none from the MUA).
    received: { message: 'm1', hops: 3 },
  },
  'mx-fallback': {
    // The backup MX accepts, then tries only the primary until it is back.
    mailboxes: { 'bob@example.org': ['m1'] },
    markers: [
      /^00:00:00\.000: fault on: mx1\.example\.org down$/,
      /: m1 bob@example\.org deferred on mx2\.example\.org: 451 4\.4\.1 connect to mx1\.example\.org:25: connection refused/,
      /^01:00:00\.000: fault off: mx1\.example\.org down$/,
      /^01:\d\d:\d\d\.\d{3}: delivered to bob@example\.org$/,
    ],
    absent: [/deferred on mx2\.example\.org: .*connect to mx2/],
  },
  'retry-until-mx-returns': {
    // Attempts at 0, 600, 1200 and 2400 s: the last finds the MX back.
    mailboxes: { 'bob@example.org': ['m1'] },
    markers: [
      /^00:00:00\.\d{3}: m1 bob@example\.org deferred on smtp\.example\.com: 451 4\.4\.1 .*connection refused/,
      /^00:10:00\.\d{3}: m1 .* deferred/,
      /^00:20:00\.\d{3}: m1 .* deferred/,
      /^00:40:00\.\d{3}: delivered to bob@example\.org$/,
    ],
  },
  'unknown-user-bounce': {
    mailboxes: { 'alice@example.com': [`m1.dsn${DSN}`] },
    markers: [/: m1 bbo@example\.org bounced on smtp\.example\.com: 550 5\.1\.1 /],
  },
  greylisting: {
    // 450 4.2.0 first, then the retry after the greylisting delay.
    mailboxes: { 'bob@example.org': ['m1'] },
    markers: [/^00:00:\d\d\.\d{3}: m1 bob@example\.org deferred on smtp\.example\.com: 450 4\.2\.0 /, /^00:1\d:\d\d\.\d{3}: delivered to bob@example\.org$/],
  },
  'null-mx': {
    // No connection at all: 556 5.1.10 at once, and the DSN in Alice's
    // mailbox.
    mailboxes: { 'alice@example.com': [`m1.dsn${DSN}`] },
    markers: [/: m1 bob@example\.org bounced on smtp\.example\.com: 556 5\.1\.10 /],
    absent: [/deferred/],
  },
  'mail-loop': {
    // The message and then its DSN are stopped at the hop limit; Alice
    // never hears of it.
    mailboxes: {},
    markers: [/: m1 bob@example\.org bounced on smtp\.example\.com: 554 5\.4\.6 /, /: m1\.dsn alice@example\.com bounced on relay\.example\.net: 554 5\.4\.6 /],
    absent: [/delivered/],
  },
  'several-recipients': {
    mailboxes: { 'bob@example.org': ['m1'], 'carol@example.org': ['m1'] },
    markers: [/: delivered to bob@example\.org$/, /: delivered to carol@example\.org$/],
    // One connection to the MX carries both recipients.
    sessionsTo: { server: 'mx.example.org:25', count: 1 },
  },
  'bcc-envelope-vs-headers': {
    mailboxes: { 'bob@example.org': ['m1'], 'carol@example.org': ['m1'] },
    markers: [/: delivered to carol@example\.org$/],
    // Carol is in no header: To: names Bob, and there is no Bcc:.
    headers: { message: 'm1', has: /^To: .*bob@example\.org/m, hasNot: /^(Bcc|Cc): |^To: .*carol/im },
  },
  'dmarc-spoofing': {
    // The real mail and the p=none forgery reach Bob, the p=quarantine one
    // his junk folder; the p=reject forgery is refused, and its bounce
    // reaches the real CEO.
    mailboxes: {
      'bob@corp.example': ['real', 'shop-forgery'],
      'bob@corp.example/junk': ['parcel-forgery'],
      'ceo@bank.example': [`ceo-forgery.dsn${DSN}`],
    },
    markers: [/: ceo-forgery bob@corp\.example bounced on mallory\.attacker\.example: 550 5\.7\.1 rejected by DMARC policy for bank\.example/],
  },
  'forwarding-spf-dkim': {
    // Both forwarded messages arrive: DKIM carries DMARC past the broken SPF.
    mailboxes: { 'alice@home.example': ['via-uni'], 'bob@home.example': ['via-college'] },
    markers: [/: delivered to alice@home\.example$/, /: delivered to bob@home\.example$/],
    absent: [/bounced/, /deferred/],
  },
  'mailing-list-dmarc': {
    // The list that keeps Alice's From: is refused (its footer broke her
    // DKIM signature); the one that rewrites From: gets through.
    mailboxes: { 'bob@corp.example': ['to-team-fixed'], 'team-bounces@lists.example': [`to-team.dsn${DSN}`] },
    markers: [/: to-team bob@corp\.example bounced on lists\.example: 550 5\.7\.1 rejected by DMARC policy for bank\.example/],
  },
  'open-relay': {
    // The open relay passes the spam on; the closed one refuses it.
    mailboxes: { 'bob@corp.example': ['spam-open', 'staff'] },
    markers: [/: spam-closed bob@corp\.example bounced on bot2\.dsl\.example: 554 5\.7\.1 <bob@corp\.example>: relay access denied/],
  },
  'rfc1047-duplicate': {
    // The crash after the final dot: the sender retries, Bob gets it twice.
    mailboxes: { 'bob@example.org': ['m1', 'm1'] },
    markers: [/: m1 bob@example\.org deferred on smtp\.example\.com: 421 4\.4\.2 Connection lost after the end of data/],
  },
};

test('every preset\'s lesson comes true: its mailboxes and timeline at the end of its run', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await page.setViewportSize({ width: 1366, height: 800 });
  await runDone(page, 0);
  const presets = await page.$$eval('#preset option', (os) => os.map((o) => o.value).filter((v) => v));
  assert.deepEqual([...presets].sort(), Object.keys(LESSONS).sort(), 'a lesson check for every preset');
  for (const [name, lesson] of Object.entries(LESSONS)) {
    const n = await runs(page);
    await page.selectOption('#preset', name);
    await runDone(page, n);
    const max = await page.getAttribute('input[aria-label="Timeline"]', 'max');
    await page.fill('input[aria-label="Timeline"]', max);
    await openTab(page, 'Messages');
    const mailboxes = Object.fromEntries(await page.$$eval('li.mailbox', (els) => els.map((e) =>
      [e.getAttribute('data-mailbox'), [...e.querySelectorAll('li button')].map((b) => b.textContent)])));
    assert.deepEqual(mailboxes, lesson.mailboxes, `${name}: the mailboxes at the end`);
    const markers = await page.$$eval('.timeline .marker', (els) => els.map((e) => e.title.replace(/ \(and \d+ more here\)$/, '')));
    for (const want of lesson.markers) {
      assert.ok(markers.some((m) => want.test(m)), `${name}: no marker ${want}\n${markers.join('\n')}`);
    }
    for (const never of lesson.absent ?? []) {
      assert.ok(!markers.some((m) => never.test(m)), `${name}: a marker ${never}\n${markers.join('\n')}`);
    }
    if (lesson.received || lesson.headers) {
      const id = (lesson.received ?? lesson.headers).message;
      await page.click(`li.mailbox button:text-is("${id}")`);
      const last = page.locator('.inspector li.hop pre').last();
      const headers = await last.textContent();
      if (lesson.received) {
        const hops = await page.$$eval('.inspector li.hop pre', (els) => els.map((e) => e.textContent));
        assert.equal(hops.length, lesson.received.hops, `${name}: hops`);
        hops.forEach((h, i) => assert.equal((h.match(/^Received: /gm) ?? []).length, i, `${name}: Received: lines of hop ${i + 1}\n${h}`));
      }
      if (lesson.headers) {
        assert.match(headers, lesson.headers.has, `${name}\n${headers}`);
        assert.doesNotMatch(headers, lesson.headers.hasNot, `${name}\n${headers}`);
      }
    }
    if (lesson.sessionsTo) {
      await openTab(page, 'Transcript');
      const sessions = await page.$$eval('select[aria-label=Session] option', (os) => os.map((o) => o.textContent));
      const to = sessions.filter((s) => s.includes(`→ ${lesson.sessionsTo.server} `));
      assert.equal(to.length, lesson.sessionsTo.count, `${name}: sessions\n${sessions.join('\n')}`);
    }
  }
  assert.deepEqual(problems, []);
  await page.close();
});
