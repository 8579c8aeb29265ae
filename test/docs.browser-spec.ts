import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { TestApp } from '@aero/testing';
import { createTestApp } from '@aero/testing';

// Debian's chromium (`.ci/run` installs it); CHROMIUM_PATH points elsewhere on other machines.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];

jest.setTimeout(90_000);

/** Every operation the served document declares, as Swagger UI labels them: "GET /health/ready". */
async function documentedOperations(baseUrl: string): Promise<string[]> {
  const doc = (await (await fetch(`${baseUrl}/docs-json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    )
    .sort();
}

describe('Swagger UI at /docs in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  const pageErrors: string[] = [];
  let docsCsp: string | undefined;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
    // Script errors and CSP refusals both show up here; Swagger UI must load without either.
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    const response = await page.goto(`${baseUrl}/docs`, { waitUntil: 'load' });
    docsCsp = response?.headers()['content-security-policy'];
    await page.locator('.opblock').first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders every documented operation, including the readiness probe', async () => {
    const rendered = await page.locator('.opblock').evaluateAll((blocks) =>
      blocks.map((block) => {
        const method = block.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '';
        const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
        return `${method.toUpperCase()} ${path}`;
      }),
    );
    expect(rendered).toContain('GET /health/ready');
    expect([...new Set(rendered)].sort()).toEqual(await documentedOperations(baseUrl));
    expect(await page.title()).toBe('AeroSports Core API');
  });

  it('offers both ways to authenticate behind the Authorize button', async () => {
    const authorize = page.locator('button.authorize').first();
    await expect(authorize.isVisible()).resolves.toBe(true);
    await authorize.click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor({ state: 'visible' });
    const text = await dialog.innerText();
    expect(text).toContain('bearer');
    expect(text).toContain('api-key');
    expect(text).toContain('X-API-Key');
    await page.locator('.dialog-ux button.close-modal').click();
  });

  it('lets an integrator try an operation from the page', async () => {
    const ready = page.locator('.opblock', { has: page.locator('[data-path="/health/ready"]') }).first();
    await ready.locator('.opblock-summary').click();
    await ready.locator('button.try-out__btn').click();
    await ready.locator('button.execute').click();
    const status = ready.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ state: 'visible' });
    expect((await status.innerText()).trim()).toBe('200');
  });

  it('loads under the security headers without script errors or Content-Security-Policy refusals', () => {
    expect(docsCsp).toContain("script-src 'self'");
    expect(pageErrors).toEqual([]);
  });
});
