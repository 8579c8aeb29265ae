// Unit tests sit beside the source; e2e suites under test/ boot the real ApiModule over HTTP.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const moduleNameMapper = {
  '^@aero/(core|auth|api-keys|members|bookings|usage|events|testing)$': '<rootDir>/libs/$1/src',
  '^@aero/(core|auth|api-keys|members|bookings|usage|events|testing)/(.*)$': '<rootDir>/libs/$1/src/$2',
  '^@aero/client$': '<rootDir>/packages/client/src',
};

const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testEnvironment: 'node',
};

module.exports = {
  maxWorkers: process.env.CI ? 2 : '50%',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,packages,scripts}/**/*.spec.ts'], setupFiles: ['reflect-metadata'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/setup-env.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      // A remote SQL Server answers slower than the local databases, and its deadlock monitor wakes every ~5 s.
      ...(process.env.DB_TYPE === 'mssql' ? { testTimeout: 60_000 } : {}),
    },
    {
      // npm run test:chaos: its own PostgreSQL cluster and Redis, faults injected; run in band.
      ...common,
      displayName: 'chaos',
      testMatch: ['<rootDir>/test/chaos/**/*.chaos-spec.ts'],
      setupFiles: ['<rootDir>/test/setup-env.ts', '<rootDir>/test/chaos/setup-chaos-env.ts'],
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/**/*.browser-spec.ts'],
      setupFiles: ['<rootDir>/test/setup-env.ts'],
    },
  ],
};
