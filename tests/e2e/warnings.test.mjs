// Legal but probably unintended: a scenario whose backup MX names no host
// is applied and runs, and the editor says why it will not help, at the
// record's JSON path, as a warning rather than a problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { siteAndBrowser, openPage, runs, runDone, openTab } from './harness.mjs';

const ctx = siteAndBrowser();

test('a warning is listed at its path in the editor, in the warning colour, and the scenario still runs', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await runDone(page, 0);
  await openTab(page, 'Scenario');
  await page.click('.mode button:has-text("JSON")');
  const s = JSON.parse(await readFile('crates/mxlab-sim/scenarios/hello-smtp.json', 'utf8'));
  s.name = 'With a stray backup MX';
  s.dns.domains[0].mx.push({ preference: 20, exchange: 'backup.example.org' });
  await page.fill('#scenario-json', JSON.stringify(s, null, 2));
  const before = await runs(page);
  await page.click('button.apply');
  await runDone(page, before);
  // It runs: the lesson heading is the new name, and no problem is listed.
  assert.equal(await page.textContent('.lesson h2'), 'With a stray backup MX');
  assert.equal(await page.locator('.problems .problem').count(), 0);
  assert.equal(await page.getAttribute('#scenario-json', 'aria-invalid'), 'false');
  const warning = page.locator('.problems .warning');
  assert.equal(await warning.count(), 1);
  assert.equal(await warning.locator('.path').textContent(), '$.dns.domains[0].mx[1].exchange');
  assert.match(await warning.locator('.message').textContent(), /no host named `backup\.example\.org`/);
  assert.match(await warning.textContent(), /^warning: /);
  // Said in the warning colour, not the problems' red.
  const colours = await page.evaluate(() => {
    const w = document.querySelector('.problems .warning');
    const probe = document.createElement('span');
    probe.className = 'problem';
    w.parentElement.append(probe);
    const c = [getComputedStyle(w).color, getComputedStyle(probe).color];
    probe.remove();
    return c;
  });
  assert.notEqual(colours[0], colours[1], JSON.stringify(colours));
  // Its line button takes the editor to the record.
  await warning.locator('.goto').click();
  const selected = await page.evaluate(() => {
    const t = document.querySelector('#scenario-json');
    return t.value.slice(t.selectionStart, t.selectionEnd);
  });
  assert.match(selected, /"exchange": "backup\.example\.org"/);
  await page.screenshot({ path: 'target/e2e/scenario-warning.png' });
  assert.deepEqual(problems, []);
  await page.close();
});
