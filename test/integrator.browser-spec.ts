import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser, Locator, Page } from 'playwright-core';
import { ApiKeysService } from '@aero/api-keys';
import { BookingsSeedService } from '@aero/bookings';
import type { TestApp } from '@aero/testing';
import { createTestApp } from '@aero/testing';

// Debian's chromium (`.ci/run` installs it); CHROMIUM_PATH points elsewhere on other machines.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

jest.setTimeout(120_000);

/**
 * An integrator's first hour in Swagger UI, on the demo data set (`db:seed`): authorize with the demo
 * kiosk key, page through members with "Try it out", make a booking, and read the documented errors.
 */
describe('Swagger UI walked as an integrator (browser)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let kioskKey: string;
  const pageErrors: string[] = [];

  const operation = (method: string, path: string): Locator =>
    page.locator(`.opblock-${method}`, { has: page.locator(`[data-path="${path}"]`) }).first();

  async function open(block: Locator): Promise<void> {
    await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
  }

  async function execute(block: Locator): Promise<{ status: string; body: string; headers: string }> {
    await block.locator('button.execute').click();
    const row = block.locator('.live-responses-table tbody tr.response').first();
    await row.locator('.response-col_status').waitFor({ state: 'visible' });
    const status = (await row.locator('.response-col_status').innerText()).trim();
    const body = await row.locator('.response-col_description pre.microlight').first().innerText();
    const headers = await row.locator('.response-col_description').innerText();
    return { status, body, headers };
  }

  beforeAll(async () => {
    t = await createTestApp();
    // The same data `npm run cli -- db:seed` loads, and its demo kiosk key.
    await t.app.get(BookingsSeedService).seed();
    kioskKey = (await t.app.get(ApiKeysService).ensureDemoKioskKey()).key as string;
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    await page.goto(`${baseUrl}/docs`, { waitUntil: 'load' });
    await page.locator('.opblock').first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('says how to get credentials and lists the tags in the order of the work', async () => {
    const intro = await page.locator('.information-container').innerText();
    expect(intro).toContain('Getting credentials');
    expect(intro).toContain('api-keys:create');
    expect(intro).toContain('POST /v1/auth/login');
    const tags = await page.locator('.opblock-tag-section h3 .opblock-tag, .opblock-tag-section h3 a span').allInnerTexts();
    const names = tags.map((s) => s.trim()).filter((s) => s.length > 0);
    expect(names.slice(0, 6)).toEqual(['auth', 'api-keys', 'venues', 'sessions', 'members', 'bookings']);
  });

  it('authorizes with an API key', async () => {
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor({ state: 'visible' });
    const apiKey = dialog.locator('.auth-container', { hasText: 'X-API-Key' });
    await apiKey.locator('input').fill(kioskKey);
    await apiKey.locator('button.authorize').click();
    await expect(apiKey.innerText()).resolves.toContain('Authorized');
    await dialog.locator('button.close-modal').click();
  });

  it('pages through the seed members with the pre-filled search, limit and cursor', async () => {
    const list = operation('get', '/v1/members');
    await open(list);
    const search = list.locator('tr[data-param-name="search"] input');
    await expect(search.inputValue()).resolves.toBe('chen');
    await list.locator('tr[data-param-name="limit"] input').fill('1');
    const first = await execute(list);
    expect(first.status).toBe('200');
    const firstPage = JSON.parse(first.body) as { data: { lastName: string }[]; nextCursor: string | null };
    expect(firstPage.data.map((m) => m.lastName)).toEqual(['Chen']);
    expect(firstPage.nextCursor).toEqual(expect.any(String));
    expect(first.headers.toLowerCase()).toContain('etag:');

    await list.locator('tr[data-param-name="cursor"] input').fill(firstPage.nextCursor as string);
    const second = await execute(list);
    const secondPage = JSON.parse(second.body) as { data: { lastName: string; firstName: string }[] };
    expect(second.status).toBe('200');
    expect(secondPage.data).toHaveLength(1);
    expect(secondPage.data[0].lastName).toBe('Chen');
    expect(secondPage.data[0].firstName).not.toBe((firstPage.data[0] as { firstName?: string }).firstName);
  });

  it('books a place on a seed session and sees 201 with Location, then the documented 409 examples', async () => {
    const headers = { 'X-API-Key': kioskKey };
    const venues = (await (await fetch(`${baseUrl}/v1/venues`, { headers })).json()) as { data: { id: string }[] };
    const sessions = (await (
      await fetch(`${baseUrl}/v1/sessions?venueId=${venues.data[0].id}&bookableOnly=true&limit=50`, { headers })
    ).json()) as { data: { id: string }[] };
    const members = (await (await fetch(`${baseUrl}/v1/members?search=rossi`, { headers })).json()) as {
      data: { id: string }[];
    };

    const book = operation('post', '/v1/bookings');
    await open(book);
    const body = book.locator('textarea.body-param__text');
    // The editor starts from the documented example, which names every field.
    expect(JSON.parse(await body.inputValue())).toMatchObject({ quantity: 2 });
    await body.fill(JSON.stringify({ sessionId: sessions.data[0].id, memberId: members.data[0].id, quantity: 1 }));
    // An app's key must name each booking intent, so a retry can never book twice.
    await book.locator('tr[data-param-name="Idempotency-Key"] input').fill(`swagger-walk-${Date.now()}`);
    const result = await execute(book);
    expect(result.status).toBe('201');
    const booking = JSON.parse(result.body) as { id: string; status: string };
    expect(booking.status).toBe('confirmed');
    expect(result.headers).toContain(`location: /v1/bookings/${booking.id}`);

    // The documented errors of this operation name their problem types, each with its own example.
    const conflict = book.locator('.responses-table tr.response[data-code="409"]');
    const examples = await conflict.locator('select option').allInnerTexts();
    expect(examples.join('\n')).toContain('BOOKINGS_SESSION_FULL');
    const notFound = await book.locator('.responses-table tr.response[data-code="404"]').innerText();
    expect(notFound).not.toContain('validation-failed');
    expect(pageErrors).toEqual([]);
  });
});
