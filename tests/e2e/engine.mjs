// The browser half of the engine's wasm-against-native figure in
// `cargo xtask bench`: the script-tag package's `engine_benchmark` runs the
// engine's benchmark network (100 MX hosts, 20,000 messages; the native
// criterion bench `sim/engine_20k_messages_100_hosts_to_quiescence`
// computes the same scenario) to quiescence in headless Chromium, with no
// UI. One warm-up run, then five; prints one JSON object on stdout.
import { serveSite, launchBrowser } from './harness.mjs';

const DOMAINS = 100;
const MESSAGES = 20000;
const RUNS = 5;

async function main() {
  const site = await serveSite();
  const browser = await launchBrowser();
  const page = await browser.newPage();
  // A page of the site's origin without the app (a 404 page will do), then
  // the package, as a script tag would load it.
  await page.goto(new URL('no-app-here', site.url).href);
  const pkgUrl = new URL('pkg/mxlab_web.js', site.url).href;
  const runs = await page.evaluate(
    async ({ pkgUrl, domains, messages, runs }) => {
      const pkg = await import(pkgUrl);
      await pkg.default();
      const out = [];
      for (let i = 0; i <= runs; i++) {
        const [ms, events] = await pkg.engine_benchmark(domains, messages);
        if (i > 0) out.push({ ms, events });
      }
      return out;
    },
    { pkgUrl, domains: DOMAINS, messages: MESSAGES, runs: RUNS },
  );
  await browser.close();
  await site.close();
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  console.log(
    JSON.stringify({ domains: DOMAINS, messages: MESSAGES, events: runs[0].events, runs_ms: ms, median_ms: ms[Math.floor(ms.length / 2)] }),
  );
}

if (process.argv[1]?.endsWith('engine.mjs')) main().catch((e) => {
  console.error(e);
  process.exit(1);
});
