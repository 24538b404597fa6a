// Tests: the live page in a real browser.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchStack, type Stack } from '../stack/launchStack';
import { externalTool, freeBasePort } from '@game-mesh/events/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Debian's chromium (tools/ci/prepare.sh installs it) or the runner's Chrome; elsewhere it skips.
const browserPath = externalTool('browser', 'the live-page browser test (tools/test/livePage.browser.spec.ts)');

describe.skipIf(!browserPath)('the live page in headless Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    stack = await launchStack({
      root,
      emulatorPort: 0,
      basePort: await freeBasePort(),
      prefix: 'browser',
      // The weather moves only when told: no simulation tick, and a clock too slow to change phase
      // (each time.changed makes the weather take a step, which could follow the storm below).
      serviceEnv: {
        'weather-manager': { WEATHER_TICK_MS: '3600000' },
        'time-manager': { CLOCK_GAME_MINUTES_PER_SECOND: '0.001' },
        'sample-consumer': { LIVE_STATS_INTERVAL_MS: '200' },
      },
    });
    browser = await chromium.launch({
      executablePath: browserPath!,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows events as they arrive, the world state, and queue depths', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.service('sample-consumer').url}/`);
    await page.locator('#connection-text', { hasText: 'live' }).waitFor();
    const response = await fetch(`${stack.service('weather-manager').url}/weather`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ condition: 'storm', intensity: 0.92, temperatureCelsius: 8 }),
    });
    const { eventId } = (await response.json()) as { eventId: string };
    // The same event arrives twice: on the main queue, and on the severe queue through the filter.
    await page.locator(`tr[data-event-id="${eventId}"]`).nth(1).waitFor({ timeout: 5_000 });
    expect(await page.locator(`tr.severe[data-event-id="${eventId}"]`).count()).toBe(1);
    await page.locator('#weather', { hasText: 'storm · 0.92 · 8 °C' }).waitFor({ timeout: 5_000 });
    expect(await page.locator('#severe').textContent()).toBe('1');
    await page.locator('[data-queue="main-dlq"]').waitFor();
    expect(await page.locator('[data-queue="main-dlq"]').textContent()).toBe('main-dlq: 0 / 0');
    // A player's inventory, changed in order through the FIFO queue: the card shows what they hold.
    for (const [kind, quantity] of [['grant', 50], ['spend', 20]] as const) {
      const changed = await fetch(`${stack.service('inventory').url}/players/ada/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'gold', quantity }) });
      expect(changed.status).toBe(202);
    }
    await page.locator('#balances', { hasText: 'ada: 30 gold' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#inventory-errors').textContent()).toBe('');
    await mkdir(`${root}/tmp`, { recursive: true });
    await page.screenshot({ path: `${root}/tmp/live-page.png`, fullPage: true });
  });
});
