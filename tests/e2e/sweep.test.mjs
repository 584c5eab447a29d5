// Sweeps in the browser: seeds 0..N of the scenario open run in the sweep
// worker while the page stays responsive, and give exactly what
// `mxlab sweep` prints for the same scenario and seeds: its table, its
// --json and its --csv (the panel's downloads). A cancelled sweep keeps the
// figures of the seeds it ran; a worker that cannot be loaded says so.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { siteAndBrowser, openPage, runs, runDone, serveSite, openTab } from './harness.mjs';

const ctx = siteAndBrowser();
const DIR = resolve('target/e2e/sweep');
let mxlab;

// The command line's `mxlab`, built as the CLI's own tests build it; cargo
// says where the binary is.
before(
  async () => {
    await mkdir(DIR, { recursive: true });
    const out = execFileSync(
      'cargo',
      ['build', '-p', 'mxlab-cli', '--bin', 'mxlab', '--message-format=json-render-diagnostics'],
      { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    for (const line of out.split('\n')) {
      if (!line.startsWith('{')) continue;
      const m = JSON.parse(line);
      if (m.reason === 'compiler-artifact' && m.target?.name === 'mxlab' && m.executable) mxlab = m.executable;
    }
    assert.ok(mxlab, 'cargo built the mxlab binary');
  },
  { timeout: 900_000 },
);

/** `mxlab sweep scenario.json --seeds N …` in DIR (so the scenario is named as the app names it). */
const cli = (seeds, ...flags) =>
  execFileSync(mxlab, ['sweep', 'scenario.json', '--seeds', String(seeds), ...flags], { cwd: DIR, encoding: 'utf8' });

/** A preset on noisy links (jitter and loss): the seed decides how many attempts a run takes. */
async function noisyScenario(preset = 'relay-via-smarthost', name = 'Relay through a smarthost, noisy links') {
  const s = JSON.parse(await readFile(`crates/mxlab-sim/scenarios/${preset}.json`, 'utf8'));
  s.name = name;
  s.default_link = { latency_ms: 20, jitter_ms: 400, loss: 0.05 };
  return JSON.stringify(s, null, 2);
}

/** Opens the app with `text` applied in the JSON editor, and saves the app's own export of it as DIR/scenario.json. */
async function openWith(text) {
  const { page, problems } = await openPage(ctx.browser, ctx.site.url);
  await runDone(page, 0);
  await openTab(page, 'Scenario');
  await page.click('.mode button:has-text("JSON")');
  await page.fill('#scenario-json', text);
  const before = await runs(page);
  await page.click('button.apply');
  await runDone(page, before);
  const [d] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Export scenario")')]);
  assert.equal(d.suggestedFilename(), 'scenario.json');
  await writeFile(join(DIR, 'scenario.json'), await readFile(await d.path(), 'utf8'));
  await openTab(page, 'Sweep');
  return { page, problems };
}

const state = (page) => page.getAttribute('.sweep', 'data-state');
const done = (page) => page.getAttribute('.sweep', 'data-done').then(Number);

async function download(page, selector) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: d.suggestedFilename(), text: await readFile(await d.path(), 'utf8') };
}

test('a 100-seed sweep gives what mxlab sweep prints, drawn as distributions and downloaded as CSV and JSON', async () => {
  const { page, problems } = await openWith(await noisyScenario());
  assert.equal(await state(page), 'idle');
  assert.equal(await page.inputValue('.sweep input.seeds'), '100');
  assert.equal(await page.textContent('.sweep .hint code'), 'mxlab sweep scenario.json --seeds 100');
  await page.click('.sweep .run-sweep');
  await page.waitForSelector('.sweep[data-state=done]', { timeout: 60000 });
  assert.equal(await done(page), 100);
  assert.equal(await page.textContent('.sweep-progress .count'), '100 of 100 seeds');

  const text = cli(100);
  const json = JSON.parse(cli(100, '--json'));
  // The seeds differ: this sweep has a distribution, not one value.
  assert.ok(json.attempts.max > json.attempts.min, JSON.stringify(json.attempts));
  assert.ok(json.attempts_histogram.length > 1);
  // The table mxlab sweep prints, byte for byte.
  assert.equal(await page.textContent('.sweep-text'), text);

  // The distributions drawn are its numbers.
  for (const name of ['delivered', 'bounced', 'queued', 'duplicates', 'attempts']) {
    const cells = await page.$$eval(`.sweep-outcomes tr.${name} td`, (tds) => tds.map((td) => td.textContent));
    const s = json[name];
    assert.deepEqual(cells, [String(s.total), String(s.min), s.mean.toFixed(2), String(s.max)], name);
  }
  assert.equal(
    await page.textContent('.sweep-outcomes .headline'),
    `${json.all_delivered_runs} of 100 runs delivered every recipient`,
  );
  const percentiles = await page.$$eval('.percentiles dd', (dds) => dds.map((dd) => Number(dd.dataset.secs)));
  const l = json.latency_secs;
  assert.deepEqual(percentiles, [l.p50, l.p90, l.p99, l.max]);
  assert.ok(await page.isVisible('.sweep-latency svg.latency-strip'));
  const bars = await page.$$eval('.histogram li', (lis) =>
    lis.map((li) => [li.querySelector('.value').textContent, Number(li.querySelector('.runs').textContent)]),
  );
  assert.deepEqual(
    bars,
    json.attempts_histogram.map((b) => [b.from === b.to ? String(b.from) : `${b.from}..=${b.to}`, b.runs]),
  );

  // The downloads are what --csv and --json print.
  const csv = await download(page, '.sweep .download-csv');
  assert.equal(csv.name, 'sweep.csv');
  assert.equal(csv.text, cli(100, '--csv'));
  assert.equal(csv.text.trimEnd().split('\n').length, 101);
  const js = await download(page, '.sweep .download-json');
  assert.equal(js.name, 'sweep.json');
  assert.equal(js.text, cli(100, '--json'));

  await page.click('.sweep-cli summary');
  for (const [width, height, name] of [
    [1366, 800, 'sweep-1366'],
    [1920, 1080, 'sweep-1920'],
    [390, 844, 'sweep-390'],
  ]) {
    await page.setViewportSize({ width, height });
    await page.locator('.sweep').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `target/e2e/${name}.png`, fullPage: width === 390 });
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('the page stays responsive during a long sweep, which cancels to the figures of the seeds it ran', async () => {
  // Six messages that wait out five days of retries each: every run
  // takes long enough that 10,000 seeds keep the worker busy for minutes.
  const scenario = JSON.parse(await noisyScenario('expiry-bounce', 'Expiry, noisy links, six messages'));
  scenario.messages = [0, 1, 2, 3, 4, 5].flatMap((i) => scenario.messages.map((m) => ({ ...m, id: `${m.id}-${i}` })));
  const { page, problems } = await openWith(JSON.stringify(scenario, null, 2));
  await page.fill('.sweep input.seeds', '10000');
  await page.click('.sweep .run-sweep');
  await page.waitForFunction(() => Number(document.querySelector('.sweep')?.dataset.done) > 0, null, { timeout: 30000 });
  assert.equal(await state(page), 'running');
  assert.ok(await page.isDisabled('.sweep .run-sweep'), 'one sweep at a time');
  // Enter in the seeds field starts no second sweep while one runs.
  await page.press('.sweep input.seeds', 'Enter');
  assert.equal(await page.getAttribute('.sweep', 'data-asked'), '10000');

  // The transport answers at once and plays frames while the worker computes.
  const clockMicros = () => page.getAttribute('.transport .clock', 'data-micros').then(Number);
  const frame = () => page.evaluate(() => new Promise((ok) => {
    const t0 = performance.now();
    requestAnimationFrame(() => ok(performance.now() - t0));
  }));
  const t0 = await clockMicros();
  await page.click('button.play');
  await page.waitForSelector('button.play[aria-label="Pause (space)"]', { timeout: 2000 });
  await page.waitForFunction((t) => Number(document.querySelector('.transport .clock').dataset.micros) > t, t0, { timeout: 5000 });
  const frames = [];
  for (let i = 0; i < 5; i++) frames.push(await frame());
  assert.ok(Math.max(...frames) < 500, `frames came within ${Math.max(...frames)} ms`);
  await page.click('button.play');
  await page.screenshot({ path: 'target/e2e/sweep-running.png' });
  const before = await done(page);
  await page.waitForFunction((n) => Number(document.querySelector('.sweep').dataset.done) > n, before, { timeout: 10000 });
  assert.equal(await state(page), 'running', 'the sweep was still running throughout');

  await page.click('.sweep .cancel-sweep');
  assert.equal(await state(page), 'cancelled');
  const ran = await done(page);
  assert.ok(ran > 0 && ran < 10000, `${ran} seeds ran`);
  assert.equal(
    await page.textContent('.sweep .note'),
    `Cancelled after ${ran} of 10000 seeds: the figures are those of seeds 0..${ran}.`,
  );
  await page.screenshot({ path: 'target/e2e/sweep-cancelled.png' });
  // The worker is gone: nothing more comes in.
  await page.waitForTimeout(700);
  assert.equal(await done(page), ran);
  assert.equal(await page.textContent('.sweep-text'), cli(ran));
  const csv = await download(page, '.sweep .download-csv');
  assert.equal(csv.text, cli(ran, '--csv'));

  // Another scenario opened while a sweep runs: the sweep carries on with
  // its own, and says so.
  await page.fill('.sweep input.seeds', '1000');
  await page.click('.sweep .run-sweep');
  await page.waitForFunction(() => Number(document.querySelector('.sweep')?.dataset.done) > 0, null, { timeout: 30000 });
  await page.selectOption('#preset', 'hello-smtp');
  assert.match(await page.textContent('.sweep .other-scenario'), /^These figures are of “Expiry, noisy links, six messages”/);
  assert.equal(await page.textContent('.sweep .hint code'), 'mxlab sweep preset:hello-smtp --seeds 1000');
  await page.waitForSelector('.sweep[data-state=done]', { timeout: 120000 });
  assert.equal(await page.textContent('.sweep-text'), cli(1000));
  assert.deepEqual(problems, []);
  await page.close();
});

test('a scenario text that does not load is named, and a missing worker is said in the panel, the page working on', async () => {
  const { page, problems } = await openWith(await noisyScenario());
  // A text with problems is not loaded: the sweep runs the scenario last loaded.
  await openTab(page, 'Scenario');
  await page.fill('#scenario-json', '{"name": "broken", ');
  await page.click('button.apply');
  await openTab(page, 'Sweep');
  assert.match(
    await page.textContent('.sweep .editor-problems'),
    /not loaded: a sweep runs the scenario last loaded, “Relay through a smarthost, noisy links”/,
  );
  await page.fill('.sweep input.seeds', '0');
  await page.click('.sweep .run-sweep');
  assert.equal(await state(page), 'failed');
  assert.match(await page.textContent('.sweep .note.error'), /^The number of seeds is a whole number from 1 to 10,000/);
  assert.deepEqual(problems, []);
  await page.close();

  // A copy of the site without the worker's files.
  const bare = resolve('target/e2e/site-without-worker');
  await rm(bare, { recursive: true, force: true });
  await cp(process.env.MXLAB_SITE ?? 'dist', bare, { recursive: true });
  for (const f of ['mxlab-sweep-worker_loader.js', 'mxlab-sweep-worker.js', 'mxlab-sweep-worker_bg.wasm']) {
    await rm(join(bare, f));
  }
  const site = await serveSite(bare);
  try {
    const { page, problems } = await openPage(ctx.browser, site.url);
    await runDone(page, 0);
    await openTab(page, 'Sweep');
    await page.click('.sweep .run-sweep');
    await page.waitForSelector('.sweep[data-state=failed]', { timeout: 30000 });
    assert.match(
      await page.textContent('.sweep .note.error'),
      /^The sweep stopped: the sweep worker could not be loaded \(mxlab-sweep-worker_loader\.js/,
    );
    assert.equal(await page.isDisabled('.sweep .run-sweep'), false, 'it can be tried again');
    // The rest of the page works on.
    await page.click('button.play');
    await page.waitForSelector('button.play[aria-label="Pause (space)"]');
    assert.deepEqual(
      problems.filter((p) => !p.includes('mxlab-sweep-worker_loader.js')),
      [],
    );
    await page.close();
  } finally {
    await site.close();
  }
});
