import { createServer } from 'node:net';
import { CliSandbox } from './cli-sandbox';
import { createTestDatabase, mssqlDatabaseLifecycle, probeMssql, sqlFor, testDbType } from './test-database';

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

describe('SQL Server test databases on engines that refuse ALTER DATABASE', () => {
  /** A fake `master`: records every statement, refuses the ones `refuse` matches like the engine would. */
  const fakeServer = (refuse: (statement: string) => Error | undefined) => {
    const statements: string[] = [];
    let closes = 0;
    return {
      statements,
      closes: () => closes,
      admin: async () => ({
        query: async (statement: string) => {
          statements.push(statement);
          const error = refuse(statement);
          if (error) throw error;
          return {};
        },
        close: async () => {
          closes++;
        },
      }),
    };
  };
  const babelfishRefusal = () =>
    Object.assign(new Error("'ALTER DATABASE' is not currently supported in Babelfish"), {
      number: 33557097,
    });

  it('creates and drops the database with RCSI and SINGLE_USER where the server takes them', async () => {
    const server = fakeServer(() => undefined);
    const lines: string[] = [];
    const db = mssqlDatabaseLifecycle('aero_e2e_1', {
      admin: server.admin,
      log: (l) => lines.push(l),
      refusalsLogged: new Set(),
    });
    await db.create();
    await db.drop();
    expect(server.statements).toEqual([
      'CREATE DATABASE [aero_e2e_1]',
      'ALTER DATABASE [aero_e2e_1] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE',
      "IF DB_ID(N'aero_e2e_1') IS NOT NULL ALTER DATABASE [aero_e2e_1] SET SINGLE_USER WITH ROLLBACK IMMEDIATE",
      "IF DB_ID(N'aero_e2e_1') IS NOT NULL DROP DATABASE [aero_e2e_1]",
    ]);
    expect(lines).toEqual([]);
    expect(server.closes()).toBe(2);
  });

  it('goes on past a refused ALTER DATABASE with one line per setting, and drops without SINGLE_USER', async () => {
    const server = fakeServer((statement) =>
      statement.includes('ALTER DATABASE') ? babelfishRefusal() : undefined,
    );
    const lines: string[] = [];
    const refusalsLogged = new Set<string>();
    for (const name of ['aero_e2e_a', 'aero_e2e_b']) {
      const db = mssqlDatabaseLifecycle(name, {
        admin: server.admin,
        log: (l) => lines.push(l),
        refusalsLogged,
      });
      await db.create();
      await db.drop();
    }
    expect(server.statements.filter((s) => s.includes('DROP DATABASE'))).toEqual([
      "IF DB_ID(N'aero_e2e_a') IS NOT NULL DROP DATABASE [aero_e2e_a]",
      "IF DB_ID(N'aero_e2e_b') IS NOT NULL DROP DATABASE [aero_e2e_b]",
    ]);
    expect(lines).toEqual([
      "test:mssql: the server refused ALTER DATABASE … SET READ_COMMITTED_SNAPSHOT ('ALTER DATABASE' is not currently supported in Babelfish); going on without it",
      "test:mssql: the server refused ALTER DATABASE … SET SINGLE_USER ('ALTER DATABASE' is not currently supported in Babelfish); going on without it",
    ]);
  });

  it('waits for the last session to close when a plain DROP DATABASE finds the database in use (3702)', async () => {
    let inUse = 2;
    const server = fakeServer((statement) => {
      if (statement.includes('SINGLE_USER'))
        return Object.assign(new Error('SINGLE_USER is not supported'), { number: 40508 });
      if (statement.includes('DROP DATABASE') && inUse-- > 0)
        return Object.assign(new Error('Cannot drop database because it is currently in use.'), {
          number: 3702,
        });
      return undefined;
    });
    const db = mssqlDatabaseLifecycle('aero_e2e_c', {
      admin: server.admin,
      log: () => undefined,
      refusalsLogged: new Set(),
    });
    await db.drop();
    expect(server.statements.filter((s) => s.includes('DROP DATABASE'))).toHaveLength(3);
  });

  it('still fails set-up on a refusal that is not ALTER DATABASE (no permission to CREATE DATABASE)', async () => {
    const server = fakeServer((statement) =>
      statement.startsWith('CREATE DATABASE')
        ? Object.assign(new Error("CREATE DATABASE permission denied in database 'master'."), { number: 262 })
        : undefined,
    );
    const db = mssqlDatabaseLifecycle('aero_e2e_d', {
      admin: server.admin,
      log: () => undefined,
      refusalsLogged: new Set(),
    });
    await expect(db.create()).rejects.toThrow('CREATE DATABASE permission denied');
    expect(server.closes()).toBe(1);
  });
});
