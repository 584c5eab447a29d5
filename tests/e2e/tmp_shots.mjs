import { serveSite, launchBrowser, openPage, runs, runDone } from './harness.mjs';
const site = await serveSite('dist');
const browser = await launchBrowser();
const preset = process.argv[2] ?? 'mx-fallback';
const steps = Number(process.argv[3] ?? 6);
for (const [w, h, name] of [[1366, 800, 'desk'], [1920, 1080, 'proj'], [390, 844, 'phone']]) {
  const { page } = await openPage(browser, site.url);
  await page.setViewportSize({ width: w, height: h });
  await runDone(page, 0);
  const n = await runs(page);
  await page.selectOption('#preset', preset);
  await runDone(page, n);
  await page.click('body');
  await page.evaluate(() => document.activeElement?.blur());
  for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(300);
  await page.screenshot({ path: `/tmp/shots/${preset}-${name}.png` });
  await page.close();
}
await browser.close();
await site.close();
