import { CliSandbox } from '@aero/testing';

jest.setTimeout(120_000);

/** users:* and api-keys:* as an operator runs them, against one database on the run's dialect. */
describe('identity CLI commands (e2e)', () => {
  let sandbox: CliSandbox;
  const cli = (args: string[]) => sandbox.run(args);
  const json = <T = Record<string, unknown>>(args: string[]): T => sandbox.json<T>(args);
  const dump = async (): Promise<string> =>
    JSON.stringify([await sandbox.query('SELECT * FROM users'), await sandbox.query('SELECT * FROM api_keys')]);

  beforeAll(async () => {
    sandbox = await CliSandbox.create('aero-identity-cli-');
  });
  afterAll(async () => {
    await sandbox.dispose();
  });

  it('users:create generates and prints a password once; a duplicate email exits 1', async () => {
    const created = json<{ user: { email: string; roles: string[] }; password: string }>([
      'users:create', '--email', 'Front.Desk@Example.test', '--role', 'staff', '--json',
    ]);
    expect(created.user).toMatchObject({ email: 'front.desk@example.test', roles: ['staff'] });
    expect(created.password.length).toBeGreaterThanOrEqual(20);
    expect(await dump()).not.toContain(created.password);

    const again = cli(['users:create', '--email', 'front.desk@example.test', '--role', 'staff']);
    expect(again.status).toBe(1);
    expect(again.stderr).toBe('error: A user with this email already exists.\n');
  });

  it('users:create refuses a weak password and an unknown role, saying why', () => {
    const weak = cli(['users:create', '--email', 'weak@example.test', '--role', 'staff', '--password', 'password123']);
    expect(weak.status).toBe(1);
    expect(weak.stderr).toContain('password: is too common');
    const role = cli(['users:create', '--email', 'r@example.test', '--role', 'root']);
    expect(role.status).toBe(1);
    expect(role.stderr).toContain('--role must be one or more of admin, staff, member');
  });

  it('users:reset-password prints a new password; users:disable disables', () => {
    json(['users:create', '--email', 'ops@example.test', '--role', 'admin', '--password', 'a long enough passphrase', '--json']);
    const reset = json<{ password: string }>(['users:reset-password', 'ops@example.test', '--json']);
    expect(reset.password).not.toBe('a long enough passphrase');
    const disabled = json<{ user: { disabled: boolean } }>(['users:disable', 'ops@example.test', '--json']);
    expect(disabled.user.disabled).toBe(true);
    const missing = cli(['users:disable', 'nobody@example.test']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('error: No user with email nobody@example.test.\n');
  });

  it('users:delete deletes a user for good', () => {
    json(['users:create', '--email', 'leaver@example.test', '--role', 'staff', '--password', 'a long enough passphrase', '--json']);
    const deleted = json<{ user: { email: string } }>(['users:delete', 'leaver@example.test', '--json']);
    expect(deleted.user.email).toBe('leaver@example.test');
    const again = cli(['users:delete', 'leaver@example.test']);
    expect(again.status).toBe(1);
    expect(again.stderr).toBe('error: No user with email leaver@example.test.\n');
  });

  it('api-keys:create prints the key once with its settings; list never shows it', async () => {
    const venue = '0b6f4a52-3f3e-4c1e-9d0a-8f0e6c7b5a41';
    const created = json<{ id: string; key: string; expiresAt: string; rateLimitPerMinute: number; venueIds: string[]; scopes: string[] }>([
      'api-keys:create', '--name', 'Kiosk 7', '--app', 'kiosk', '--scopes', 'members:read,bookings:write',
      '--expires-in', '30d', '--rate-limit-per-minute', '120', '--venues', venue, '--json',
    ]);
    expect(created.key).toMatch(/^aero_/);
    expect(created).toMatchObject({ scopes: ['members:read', 'bookings:write'], rateLimitPerMinute: 120, venueIds: [venue] });
    const days = (Date.parse(created.expiresAt) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(30);

    const listed = cli(['api-keys:list', '--json']);
    expect(listed.stdout).toContain(created.id);
    expect(listed.stdout).not.toContain(created.key);
    expect(await dump()).not.toContain(created.key);
    const human = cli(['api-keys:list']);
    expect(human.stdout).toContain(`${created.id}  active`);
  });

  it('api-keys:create refuses unknown scopes and bad durations, naming them', () => {
    const scopes = cli(['api-keys:create', '--name', 'x', '--app', 'web', '--scopes', 'members:read,root']);
    expect(scopes.status).toBe(1);
    expect(scopes.stderr).toContain('scopes');
    const duration = cli(['api-keys:create', '--name', 'x', '--app', 'web', '--scopes', 'admin', '--expires-in', 'soon']);
    expect(duration.status).toBe(1);
    expect(duration.stderr).toBe('error: --expires-in must look like 90s, 15m, 12h or 30d\n');
  });

  it('api-keys:rotate prints a new key and leaves the old one in grace; api-keys:revoke revokes', () => {
    const created = json<{ id: string; key: string }>(['api-keys:create', '--name', 'POS', '--app', 'pos', '--scopes', 'bookings:read', '--json']);
    const rotated = json<{ id: string; key: string }>(['api-keys:rotate', created.id, '--grace', '1h', '--json']);
    expect(rotated.key).toMatch(/^aero_/);
    expect(rotated.key).not.toBe(created.key);
    const list = json<{ id: string; status: string; graceEndsAt: string | null }[]>(['api-keys:list', '--json']);
    const old = list.find((k) => k.id === created.id);
    expect(old?.status).toBe('grace');
    expect(Math.round((Date.parse(old?.graceEndsAt ?? '') - Date.now()) / 60_000)).toBe(60);

    expect(cli(['api-keys:revoke', rotated.id]).stdout).toBe(`Revoked API key ${rotated.id}.\n`);
    const after = json<{ id: string; status: string }[]>(['api-keys:list', '--json']);
    expect(after.find((k) => k.id === rotated.id)?.status).toBe('revoked');
  });

  it('api-keys:create and api-keys:update set a key\'s cap on open holds; rotation keeps it', () => {
    const created = json<{ id: string; maxOpenHolds: number | null }>([
      'api-keys:create', '--name', 'Lobby kiosk', '--app', 'kiosk', '--scopes', 'bookings:write', '--max-open-holds', '5', '--json',
    ]);
    expect(created.maxOpenHolds).toBe(5);
    const rotated = json<{ id: string; maxOpenHolds: number | null }>(['api-keys:rotate', created.id, '--json']);
    expect(rotated.maxOpenHolds).toBe(5);
    const cleared = cli(['api-keys:update', rotated.id, '--max-open-holds', 'none']);
    expect(cleared.stdout).toContain('open holds default');
    const bad = cli(['api-keys:update', rotated.id, '--max-open-holds', '0']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--max-open-holds must be a positive integer or none');
  });

  it('db:seed creates an admin with a generated password and a kiosk key, printed only the first time', () => {
    const first = cli(['db:seed']);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/password of admin@aerosports\.example \(shown once\): \S{20,}/);
    expect(first.stdout).toMatch(/API key 'Demo kiosk' \(shown once\): aero_\S+/);
    const second = json<{ created: Record<string, number>; secrets?: unknown }>(['db:seed', '--json']);
    expect(second.created).toMatchObject({ adminUsers: 0, apiKeys: 0 });
    expect(second.secrets).toBeUndefined();
  });
});
