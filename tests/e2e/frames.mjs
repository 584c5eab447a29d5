// The browser benchmark of `cargo xtask bench`: frame times while the stage
// animates a 50-host scenario with 200 sessions, and the time to first
// render. A frame time is the gap between two requestAnimationFrame
// timestamps; headless Chromium paces frames at its own clock, so the
// reference is the same probe on the same page with nothing animating,
// measured in the same run; the stage is probed again with the event list
// open. Chromium's own counters give the main thread's busy time per frame
// (script, style, layout, paint). Then the page's long
// tasks (over 50 ms, the Long Tasks API) while it computes two heavy runs
// imported from files: a relay loop carrying an 8 MB body, and 20,000
// messages at t = 0. Prints one JSON object on stdout.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveSite, launchBrowser, openTab } from './harness.mjs';

/** 1 MUA, 1 submission server, 1 resolver and 47 MX hosts; 200 messages
 * submitted at once, so 200 submission sessions animate together, then
 * 200 relay sessions to the MX hosts. */
export function fiftyHosts() {
  const nodes = [
    { name: 'mua.example.com', role: 'mua', policy: { relay: { smarthost: 'smtp.example.com' } } },
    { name: 'smtp.example.com', role: 'submission', addresses: ['10.0.0.1'], policy: { relay: { allow_from: ['mua.example.com'] } } },
    { name: 'resolver.example.net', role: 'resolver' },
  ];
  const domains = [];
  for (let d = 0; d < 47; d++) {
    const host = `mx.d${d}.example`;
    const domain = `d${d}.example`;
    const addr = `10.1.0.${d + 1}`;
    nodes.push({ name: host, role: 'mx', addresses: [addr], policy: { destination_domains: [domain], mailboxes: [{ address: `user@${domain}` }] } });
    domains.push({ name: domain, mx: [{ preference: 10, exchange: host }] }, { name: host, a: [addr] });
  }
  const messages = [];
  for (let i = 0; i < 200; i++) {
    messages.push({
      id: `m${i}`, from: 'mua.example.com', at_secs: 0, mail_from: 'alice@example.com',
      rcpt_to: [`user@d${i % 47}.example`], headers: [{ name: 'Subject', value: `frame probe ${i}` }], body: 'x\r\n',
    });
  }
  // Slow links (half a second each way) keep all 200 sessions on the wire
  // together for several seconds of real time at 1×.
  return {
    name: '50 hosts, 200 sessions', horizon_secs: 3600, nodes, dns: { resolver: 'resolver.example.net', domains }, messages,
    default_link: { latency_ms: 500 },
  };
}

/** The scenario of a preset, as the JSON editor shows it. */
async function presetJson(page, name) {
  const runs = await page.evaluate(() => Number(document.body.dataset.mxlabRuns));
  await page.selectOption('#preset', name);
  await page.waitForFunction(
    (n) => Number(document.body.dataset.mxlabRuns) > n && document.body.dataset.mxlabState === 'ready',
    runs,
    { timeout: 120000 },
  );
  await openTab(page, 'Scenario');
  await page.click('.mode button:has-text("JSON")');
  const s = JSON.parse(await page.inputValue('#scenario-json'));
  if (s.name === undefined || !s.nodes) throw new Error(`no scenario for ${name}`);
  return s;
}

/** Two relays handing an 8 MB message to each other until the browser's
 * budget stops the run: every hop is one large body on the wire. */
export function relayLoop(relayViaSmarthost) {
  const s = structuredClone(relayViaSmarthost);
  const relay = s.nodes.find((n) => n.name === 'relay.example.com');
  const other = structuredClone(relay);
  other.name = 'relay2.example.com';
  other.addresses = ['192.0.2.27'];
  other.policy.relay = { allow_from: ['relay.example.com'], smarthost: 'relay.example.com' };
  other.policy.timing = 'loop';
  relay.policy.relay = { allow_from: ['smtp.example.com', 'relay2.example.com'], smarthost: 'relay2.example.com' };
  relay.policy.timing = 'loop';
  s.nodes.push(other);
  s.profiles = [{ name: 'loop', profile: { hop_limit: 1000 } }];
  s.messages[0].body = `${'x'.repeat(78)}\r\n`.repeat(100000);
  return s;
}

/**
 * Imports `scenario` from a file and reports the page's long tasks (over
 * 50 ms, the Long Tasks API): the one that reads and checks the file, and
 * those while the run is computed (from the app's `mxlab-compute` mark on).
 */
async function computeBlocks(page, scenario) {
  const dir = await mkdtemp(join(tmpdir(), 'mxlab-bench-'));
  const file = join(dir, 'scenario.json');
  await writeFile(file, JSON.stringify(scenario));
  await openTab(page, 'Scenario');
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask' });
  });
  const runs = await page.evaluate(() => Number(document.body.dataset.mxlabRuns));
  await page.setInputFiles('input[type=file]', file);
  await page.waitForFunction(
    (n) => Number(document.body.dataset.mxlabRuns) > n && document.body.dataset.mxlabState === 'ready',
    runs,
    { timeout: 300000 },
  );
  await page.waitForTimeout(200);
  await rm(dir, { recursive: true });
  return page.evaluate(() => {
    const measure = performance.getEntriesByName('mxlab-compute', 'measure').at(-1);
    const from = measure?.startTime ?? 0;
    const during = window.__longTasks.filter((t) => t.start >= from);
    const before = window.__longTasks.filter((t) => t.start < from);
    return {
      compute_ms: measure?.duration ?? null,
      long_tasks_computing: during.length,
      longest_task_computing_ms: Math.max(0, ...during.map((t) => t.ms)),
      longest_task_loading_ms: Math.max(0, ...before.map((t) => t.ms)),
      banner: document.querySelector('.banner[role=alert]')?.textContent ?? null,
    };
  });
}

/**
 * Pastes `scenario` into the JSON editor, runs it, and sorts the renderer's
 * tasks over 50 ms while it is computed (from a Chromium trace) into those
 * that ran the page's script (the app) and the browser's own (for example
 * its form autofill reading the editor's megabytes once after they changed).
 */
async function pastedBlocks(page, scenario) {
  await openTab(page, 'Scenario');
  await page.click('.mode button:has-text("JSON")');
  await page.fill('#scenario-json', JSON.stringify(scenario));
  await page.waitForTimeout(1500);
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
  const complete = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  const runs = await page.evaluate(() => Number(document.body.dataset.mxlabRuns));
  await page.click('button.apply');
  await page.waitForFunction(
    (n) => Number(document.body.dataset.mxlabRuns) > n && document.body.dataset.mxlabState === 'ready',
    runs,
    { timeout: 300000 },
  );
  await page.waitForTimeout(200);
  await cdp.send('Tracing.end');
  await complete;
  const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}/${e.tid}`));
  const onMain = (e) => main.has(`${e.pid}/${e.tid}`);
  // From the click on "Validate and run", which starts the computation.
  const click = events.find((e) => e.name === 'EventDispatch' && e.args?.data?.type === 'click' && onMain(e));
  const from = click?.ts ?? 0;
  const script = (t) =>
    events
      .filter((e) => onMain(e) && e.ts >= t.ts && e.ts < t.ts + t.dur && ['FunctionCall', 'TimerFire', 'EventDispatch', 'FireAnimationFrame'].includes(e.name))
      .reduce((sum, e) => sum + (e.dur ?? 0), 0) > t.dur / 2;
  const long = events.filter((e) => e.name === 'RunTask' && onMain(e) && e.dur > 50000 && e.ts >= from);
  const ms = (list) => list.map((t) => Math.round(t.dur / 1000));
  const tasks = events.filter((e) => e.name === 'RunTask' && onMain(e) && e.ts >= from);
  if (!click || tasks.length === 0) throw new Error('the trace has no click or no renderer tasks after it');
  return {
    tasks_seen: tasks.length,
    long_tasks_app: ms(long.filter(script)),
    long_tasks_browser: ms(long.filter((t) => !script(t))),
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.round((p / 100) * (sorted.length - 1)))];

/** The rAF timestamps over `ms`. */
async function probe(page, ms) {
  return page.evaluate(
    (ms) =>
      new Promise((done) => {
        const stamps = [];
        const start = performance.now();
        const tick = (t) => {
          stamps.push(t);
          if (t - start < ms) requestAnimationFrame(tick);
          else done(stamps);
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
}

function stats(stamps) {
  const gaps = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b);
  return { frames: gaps.length, p50_ms: percentile(gaps, 50), p95_ms: percentile(gaps, 95), max_ms: gaps.at(-1) };
}

async function main() {
  const site = await serveSite();
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

  // Time to first render: navigation start to the app's ready marker.
  await page.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.body?.dataset.mxlabReady === 'true') {
        window.__firstRender = performance.now();
        obs.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-mxlab-ready'] });
  });
  await page.goto(site.url);
  await page.waitForSelector('body[data-mxlab-ready="true"]');
  const firstRender = await page.evaluate(() => window.__firstRender);
  await page.waitForSelector('body[data-mxlab-state="ready"]');

  // Reference: the same probe with nothing animating.
  const reference = stats(await probe(page, 3000));

  await openTab(page, 'Scenario');
  await page.click('.mode button:has-text("JSON")');
  await page.fill('#scenario-json', JSON.stringify(fiftyHosts()));
  const runs = await page.evaluate(() => Number(document.body.dataset.mxlabRuns));
  await page.click('button.apply');
  await page.waitForFunction(
    (n) => Number(document.body.dataset.mxlabRuns) > n && document.body.dataset.mxlabState === 'ready',
    runs,
    { timeout: 120000 },
  );
  await openTab(page, 'Transcript');
  await page.evaluate(() => window.scrollTo(0, 0));
  // Into the thick of it: the 200 submissions are on the wire at 0.1 s.
  await page.selectOption('select[aria-label=Speed]', '1');
  await page.click('button.play');
  // Every session on the wire at once.
  await page.waitForFunction(() => Number(document.querySelector('canvas.packets')?.dataset.packets) >= 200, null, { timeout: 30000 });
  const packets = Number(await page.getAttribute('canvas.packets', 'data-packets'));
  const hosts = await page.locator('g.host').count();
  // Main-thread time per frame, from Chromium's own counters.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () =>
    Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const m0 = await metrics();
  const clock0 = await page.evaluate(() => Number(document.querySelector('.transport .clock').dataset.micros));
  const animating = stats(await probe(page, 3000));
  const clock1 = await page.evaluate(() => Number(document.querySelector('.transport .clock').dataset.micros));
  const m1 = await metrics();
  const busy = (k) => ((m1[k] - m0[k]) * 1000) / animating.frames;
  animating.main_thread_ms_per_frame = busy('TaskDuration');
  animating.script_ms_per_frame = busy('ScriptDuration');
  animating.layout_and_style_ms_per_frame = busy('LayoutDuration') + busy('RecalcStyleDuration');
  animating.renders = m1.LayoutCount - m0.LayoutCount;
  animating.virtual_secs = (clock1 - clock0) / 1e6;
  // The same, still playing, with the event list open (it follows the
  // clock at every frame).
  await openTab(page, 'Events');
  await page.waitForSelector('.event-list');
  const with_event_list = stats(await probe(page, 3000));
  const wasm = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).map((e) => e.encodedBodySize));
  await page.close();

  // Blocks while computing, each on a fresh page: the relay loop, and
  // 20,000 messages at t = 0.
  const fresh = async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await p.goto(site.url);
    await p.waitForSelector('body[data-mxlab-state="ready"]');
    return p;
  };
  const computing = {};
  let p = await fresh();
  computing.relay_loop_8mb = await computeBlocks(p, relayLoop(await presetJson(p, 'relay-via-smarthost')));
  await p.close();
  p = await fresh();
  computing.relay_loop_8mb_pasted = await pastedBlocks(p, relayLoop(await presetJson(p, 'relay-via-smarthost')));
  await p.close();
  p = await fresh();
  const hello = await presetJson(p, 'hello-smtp');
  hello.messages = Array.from({ length: 20000 }, (_, i) => ({ ...hello.messages[0], id: `m${i}`, at_secs: 0 }));
  computing.burst_20k_at_t0 = await computeBlocks(p, hello);
  await p.close();
  await browser.close();
  await site.close();
  console.log(JSON.stringify({ first_render_ms: firstRender, hosts, packets_on_stage: packets, reference, animating, with_event_list, wasm_bytes: wasm, computing }));
}

if (process.argv[1]?.endsWith("frames.mjs")) main().catch((e) => {
  console.error(e);
  process.exit(1);
});
