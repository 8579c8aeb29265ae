import { CliSandbox } from '@aero/testing';

jest.setTimeout(120_000);

const DAY = 86_400_000;
/** TypeORM's UTC datetime text on SQLite. */
const sqliteTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** events:purge, and the CLI's own writes emitting events, as an operator runs them. */
describe('events CLI (e2e)', () => {
  let sandbox: CliSandbox;

  beforeAll(async () => {
    sandbox = await CliSandbox.create('aero-events-cli-');
    sandbox.json(['db:migrate', '--json']);
  });
  afterAll(() => sandbox.dispose());

  const at = (ms: number): string | Date => (sandbox.dialect === 'sqlite' ? sqliteTime(ms) : new Date(ms));

  it('records user.disabled from users:disable with the CLI as the actor', async () => {
    sandbox.json(['users:create', '--email', 'desk@example.test', '--role', 'staff', '--json']);
    sandbox.json(['users:disable', 'desk@example.test', '--json']);
    const rows = await sandbox.query<{ type: string; actor_kind: string; actor_id: string; data: string }>(
      "SELECT type, actor_kind, actor_id, data FROM events WHERE type = 'user.disabled'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_kind: 'system', actor_id: 'cli' });
    expect(JSON.parse(rows[0].data)).toMatchObject({ email: 'desk@example.test', disabled: true });
    expect(rows[0].data).not.toMatch(/password/i);
  });

  it('events:purge deletes events past EVENTS_RETENTION_DAYS and keeps the rest', async () => {
    const insert = (id: string, ms: number, position: number) =>
      sandbox.query(
        `INSERT INTO events (position, id, type, occurred_at, venue_id, actor_kind, actor_id, data)
         VALUES ($1, $2, 'venue.updated', $3, NULL, 'system', 'test', '{}')`,
        position,
        id,
        at(ms),
      );
    const now = Date.now();
    await insert('evt_old_one_00000000000000', now - 40 * DAY, 1000);
    await insert('evt_old_two_00000000000000', now - 31 * DAY, 1001);
    await insert('evt_recent_000000000000000', now - 29 * DAY, 1002);
    expect(sandbox.json(['events:purge', '--json'])).toEqual({ purged: 2 });
    const left = await sandbox.query<{ id: string }>("SELECT id FROM events WHERE actor_id = 'test'");
    expect(left.map((r) => r.id)).toEqual(['evt_recent_000000000000000']);
    expect(sandbox.run(['events:purge']).stdout).toBe('Purged 0 event(s) past retention\n');
  });
});
