// Drawing the network: from a new network with no hosts, a MUA, a
// submission server, an MX host and a resolver are placed from the
// palette, connected by dragging from host to host, and example.org's MX
// is dropped on the MX host; the run delivers the message to Bob's
// mailbox, the JSON view is the drawing, and undo and redo walk the edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser, openPage, runs, runDone, openTab } from './harness.mjs';

const ctx = siteAndBrowser();
const timeline = 'input[aria-label="Timeline"]';

/** Does `act`, and waits for the run it asks for. */
async function andRun(page, act) {
  const n = await runs(page);
  await act();
  await runDone(page, n);
}

/** The page point at fractions (fx, fy) of the drawing. */
async function at(page, fx, fy) {
  const box = await page.locator('.mxlab-stage svg').boundingBox();
  return { x: box.x + box.width * fx, y: box.y + box.height * fy };
}

/** The centre of host `name`'s box on the page. */
async function hostCentre(page, name) {
  const box = await page.locator(`g.host[data-host="${name}"] rect`).boundingBox();
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Picks `role` in the palette and clicks at (fx, fy) of the drawing. */
async function place(page, role, fx, fy) {
  await page.click(`.palette button.role[data-role="${role}"]`);
  const p = await at(page, fx, fy);
  await andRun(page, () => page.mouse.click(p.x, p.y));
}

/** Presses the mouse on `from` (a page point) and releases it on `to`. */
async function dragFromTo(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}

const hosts = (page) => page.$$eval('g.host[data-host]', (els) => els.map((e) => e.dataset.host).sort());

test('a network drawn from nothing delivers its mail; the JSON view is the drawing; undo and redo', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await runDone(page, 0);
  await page.setViewportSize({ width: 1366, height: 800 });

  await andRun(page, () => page.click('.palette button.new'));
  assert.deepEqual(await hosts(page), []);

  // Place: each host where it is clicked, with a fresh name.
  await place(page, 'mua', 0.12, 0.55);
  await place(page, 'submission', 0.42, 0.55);
  await place(page, 'mx', 0.8, 0.55);
  // The resolver is dragged from the palette onto the drawing.
  const target = await at(page, 0.45, 0.18);
  const button = await page.locator('.palette button.role[data-role="resolver"]').boundingBox();
  await andRun(page, () =>
    dragFromTo(page, { x: button.x + button.width / 2, y: button.y + button.height / 2 }, target),
  );
  assert.deepEqual(await hosts(page), [
    'mua1.example.com',
    'mx1.example.org',
    'resolver1.example.net',
    'smtp1.example.com',
  ]);
  const mua = await hostCentre(page, 'mua1.example.com');
  const expected = await at(page, 0.12, 0.55);
  assert.ok(Math.abs(mua.x - expected.x) < 4 && Math.abs(mua.y - expected.y) < 4, 'placed where clicked');
  await page.screenshot({ path: 'target/e2e/draw-placed.png' });

  // Connect: press on one host, release on the other.
  await page.click('.palette button.connect');
  assert.equal(await page.getAttribute('.mxlab-stage', 'data-tool'), 'connect');
  await andRun(page, async () => {
    const [from, to] = [await hostCentre(page, 'mua1.example.com'), await hostCentre(page, 'smtp1.example.com')];
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, from.y + 30, { steps: 4 });
    // The connection being drawn follows the pointer from its host.
    assert.equal(await page.locator('g.host.link-from[data-host="mua1.example.com"]').count(), 1);
    assert.equal(await page.locator('line.rubber').count(), 1);
    await page.screenshot({ path: 'target/e2e/draw-connecting.png' });
    await page.mouse.move(to.x, to.y, { steps: 4 });
    await page.mouse.up();
  });
  assert.equal(await page.locator('line.rubber').count(), 0);
  await andRun(page, async () =>
    dragFromTo(page, await hostCentre(page, 'smtp1.example.com'), await hostCentre(page, 'mx1.example.org')),
  );
  assert.equal(await page.locator('g.link[data-link="mua1.example.com smtp1.example.com"]').count(), 1);
  await page.keyboard.press('Escape');
  assert.equal(await page.getAttribute('.mxlab-stage', 'data-tool'), 'pointer');

  // An MX record: the recipient's domain dragged onto the MX host.
  const domain = await page.locator('.palette button.domain[data-domain="example.org"]').boundingBox();
  await andRun(page, async () =>
    dragFromTo(
      page,
      { x: domain.x + domain.width / 2, y: domain.y + domain.height / 2 },
      await hostCentre(page, 'mx1.example.org'),
    ),
  );
  assert.match(await page.textContent('.palette .draw-note'), /mx1\.example\.org is now an MX of example\.org/);
  // The host's glyph says MX, with its preference.
  assert.match(await page.textContent('g.host[data-host="mx1.example.org"]'), /MX \(pref 10\)/);

  // A link's numbers, edited on the selected link.
  await page.click('g.link[data-link="mua1.example.com smtp1.example.com"] line.hit', { force: true });
  await page.waitForSelector('.palette .draw-edit.link');
  await andRun(page, async () => {
    await page.fill('.palette .draw-edit.link input.latency', '120');
    await page.press('.palette .draw-edit.link input.latency', 'Tab');
  });
  await page.screenshot({ path: 'target/e2e/draw-network.png' });

  // The JSON view is the drawing.
  await openTab(page, 'Scenario');
  await page.click('.mode button:has-text("JSON")');
  const json = await page.inputValue('#scenario-json');
  assert.match(json, /^\{\n {2}"name": "My network"/, 'the scenario\'s own key order');
  const s = JSON.parse(json);
  assert.deepEqual(s.nodes.map((n) => n.name), [
    'mua1.example.com',
    'smtp1.example.com',
    'mx1.example.org',
    'resolver1.example.net',
  ]);
  assert.equal(s.nodes[0].policy.relay.smarthost, 'smtp1.example.com');
  assert.deepEqual(s.nodes[1].policy.relay.allow_from, ['mua1.example.com']);
  assert.deepEqual(s.dns.domains.find((d) => d.name === 'example.org').mx, [
    { preference: 10, exchange: 'mx1.example.org' },
  ]);
  assert.equal(s.links.find((l) => l.a === 'mua1.example.com').latency_ms, 120);
  assert.equal(s.dns.resolver, 'resolver1.example.net');

  // Run to the end: Bob's mailbox holds the message.
  await page.fill(timeline, await page.getAttribute(timeline, 'max'));
  await openTab(page, 'Messages');
  assert.match(await page.textContent('.mailbox[data-mailbox="bob@example.org"]'), /m1/);
  assert.ok(await page.isVisible('g.host[data-host="mx1.example.org"] .badge.mailbox'), 'the MX holds the mail');
  await page.screenshot({ path: 'target/e2e/draw-delivered.png' });

  // Undo (the button, then Ctrl+Z): the latency, then the MX record.
  await andRun(page, () => page.click('.palette button.undo'));
  await andRun(page, () => page.keyboard.press('Control+z'));
  assert.doesNotMatch(await page.textContent('g.host[data-host="mx1.example.org"]'), /MX \(pref 10\)/);
  await openTab(page, 'Scenario');
  const undone = JSON.parse(await page.inputValue('#scenario-json'));
  assert.deepEqual(undone.dns.domains, []);
  // Redo twice: the drawing is back, and delivers again.
  await andRun(page, () => page.keyboard.press('Control+Shift+z'));
  await andRun(page, () => page.click('.palette button.redo'));
  assert.deepEqual(JSON.parse(await page.inputValue('#scenario-json')), s);
  assert.equal(await page.isDisabled('.palette button.redo'), true);

  // From the keyboard: Enter on a role adds it where the layout puts it;
  // with the connect tool, Enter on one host, then on another, links them.
  await page.focus('.palette button.role[data-role="relay"]');
  await andRun(page, () => page.keyboard.press('Enter'));
  assert.equal(await page.locator('g.host[data-host="relay1.example.net"]').count(), 1);
  await page.focus('.palette button.connect');
  await page.keyboard.press('Enter');
  await page.focus('g.host[data-host="smtp1.example.com"]');
  await page.keyboard.press('Enter');
  await page.focus('g.host[data-host="relay1.example.net"]');
  await andRun(page, () => page.keyboard.press('Enter'));
  assert.equal(await page.locator('g.link[data-link~="relay1.example.net"][data-link~="smtp1.example.com"]').count(), 1);
  await page.keyboard.press('Escape');
  await andRun(page, () => page.keyboard.press('Control+z'));
  await andRun(page, () => page.keyboard.press('Control+z'));
  assert.equal(await page.locator('g.host[data-host="relay1.example.net"]').count(), 0);

  // Delete: the selected host goes, with what named it.
  await page.click('g.host[data-host="resolver1.example.net"]');
  await andRun(page, () => page.keyboard.press('Delete'));
  assert.equal(await page.locator('g.host[data-host="resolver1.example.net"]').count(), 0);
  // Not while typing in a field.
  await page.click('g.host[data-host="mx1.example.org"]');
  await page.focus('.palette .new-domain');
  await page.keyboard.press('Backspace');
  assert.equal(await page.locator('g.host[data-host="mx1.example.org"]').count(), 1);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the palette on a phone and a projector', async () => {
  for (const [name, viewport] of [
    ['phone', { width: 390, height: 844 }],
    ['projector', { width: 1920, height: 1080 }],
  ]) {
    const page = await ctx.browser.newPage({ viewport });
    await page.goto(`${ctx.site.url}?scenario=mx-fallback`);
    await runDone(page, 0);
    await page.click('g.host[data-host="mx1.example.org"]');
    await page.screenshot({ path: `target/e2e/draw-palette-${name}.png` });
    const palette = await page.locator('.palette').boundingBox();
    assert.ok(palette.width <= viewport.width, `${name}: the palette fits the screen`);
    await page.close();
  }
});
