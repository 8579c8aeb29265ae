import { createServer } from 'node:net';
import { CliSandbox } from './cli-sandbox';
import { createTestDatabase, probeMssql, sqlFor, testDbType } from './test-database';

/** A local port nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

describe('e2e harness dialect selection', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ['DB_TYPE', 'DB_HOST', 'DB_PORT', 'DB_USERNAME', 'DB_PASSWORD']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it.each([
    [undefined, 'sqlite'],
    ['sqlite', 'sqlite'],
    ['postgres', 'postgres'],
    ['mssql', 'mssql'],
  ])('DB_TYPE=%s runs the suite on %s', (value, dialect) => {
    if (value === undefined) delete process.env.DB_TYPE;
    else process.env.DB_TYPE = value;
    expect(testDbType()).toBe(dialect);
  });

  it('refuses a dialect it does not know instead of falling back to SQLite', () => {
    process.env.DB_TYPE = 'sqlserver';
    expect(() => testDbType()).toThrow('DB_TYPE=sqlserver is not a dialect the e2e harness knows');
  });

  describe('with DB_TYPE=mssql and no SQL Server listening', () => {
    let line: string;
    beforeEach(async () => {
      const port = await closedPort();
      Object.assign(process.env, {
        DB_TYPE: 'mssql',
        DB_HOST: '127.0.0.1',
        DB_PORT: String(port),
        DB_USERNAME: 'aero_ci',
        DB_PASSWORD: 'not-a-secret',
      });
      line = `test:mssql: cannot reach SQL Server at 127.0.0.1:${port} as aero_ci (connect ECONNREFUSED 127.0.0.1:${port})`;
    });

    it('a test database is made on SQL Server or not at all, with one line saying why', async () => {
      await expect(createTestDatabase()).rejects.toThrow(line);
      await expect(createTestDatabase({ shareable: true })).rejects.toThrow(line);
    });

    it('the CLI sandbox asks SQL Server too', async () => {
      await expect(CliSandbox.create()).rejects.toThrow(line);
    });

    it("globalSetup's probe reports the same line (and never the password)", async () => {
      const reason = await probeMssql();
      expect(reason).toBe(line);
      expect(reason).not.toContain('not-a-secret');
    });
  });

  it('writes one statement for every dialect: $n placeholders become ? on SQLite and @n-1 on SQL Server', () => {
    const sql = 'UPDATE t SET note = $1 WHERE id = $2 AND n > $10';
    expect(sqlFor('postgres', sql)).toBe(sql);
    expect(sqlFor('sqlite', sql)).toBe('UPDATE t SET note = ? WHERE id = ? AND n > ?');
    expect(sqlFor('mssql', sql)).toBe('UPDATE t SET note = @0 WHERE id = @1 AND n > @9');
  });
});
