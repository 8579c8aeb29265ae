// ESLint 9 flat config: the house rules a machine can check (docs/architecture.md, Layout), fast enough to run on every commit.
// No type-aware rules: the type checker already runs in `npm run typecheck`.
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const LIBS = ['core', 'auth', 'api-keys', 'members', 'bookings', 'usage', 'events', 'testing'];
const LIB_NAMES = LIBS.join('|');

/**
 * Cross-lib imports go through the lib's front door (`@aero/<lib>`), never a deep path. The one second door
 * is `@aero/<lib>/cli` (the lib's CLI commands), which only apps/cli opens: see `cliOnly` below.
 */
const crossLibPatterns = [
  {
    group: ['@aero/*/**', '!@aero/*/cli'],
    message: 'Import another lib only through its index: `@aero/<lib>`, not a deep path.',
  },
  {
    regex: `^(\\.\\./)+(libs/)?(${LIB_NAMES})/src(/|$)`,
    message: 'Do not reach into another lib with a relative path; import it from `@aero/<lib>`.',
  },
];

/** The CLI's commands (and nest-commander behind them) stay out of the API process and the libraries. */
const cliOnly = {
  group: ['@aero/*/cli'],
  message: '`@aero/<lib>/cli` is for apps/cli only: the API must not load the CLI commands.',
};

const noRestrictedImports = (extraPatterns = []) => [
  'error',
  { patterns: [...crossLibPatterns, ...extraPatterns] },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.generated.ts', '.bench/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        // With both set, consistent-type-imports leaves files with decorators alone: Nest's DI reads
        // constructor parameter types from emitted metadata, which a type-only import would erase.
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      // import-x parses imported .ts files itself (no-cycle follows them) and resolves @aero/* via tsconfig.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.json', '.node'],
          tsconfig: { configFile: 'tsconfig.json' },
        }),
      ],
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports', disallowTypeAnnotations: false },
      ],
      'import-x/consistent-type-specifier-style': ['error', 'prefer-top-level'],
      'import-x/no-default-export': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'no-restricted-imports': noRestrictedImports(),
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Nest modules are classes with decorators and no body.
      '@typescript-eslint/no-extraneous-class': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSEnumDeclaration[const=true]',
          message: 'const enums do not survive isolated transpilation (swc).',
        },
      ],
    },
  },
  {
    // No `any` in the libraries; apps and tests may need it at framework seams.
    files: ['libs/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  // Inside a lib, its own alias would import its index from within and breed cycles; features never
  // import from apps/ (the test harness boots the API app, so libs/testing may).
  ...LIBS.map((lib) => ({
    files: [`libs/${lib}/**/*.ts`],
    rules: {
      'no-restricted-imports': noRestrictedImports([
        {
          group: [`@aero/${lib}`],
          message: `Inside libs/${lib}, import its own files relatively, not via @aero/${lib}.`,
        },
        cliOnly,
        ...(lib === 'testing'
          ? []
          : [{ regex: '^(\\.\\./)+apps/', message: 'Libraries never import from apps/.' }]),
      ]),
    },
  })),
  { files: ['apps/api/**/*.ts'], rules: { 'no-restricted-imports': noRestrictedImports([cliOnly]) } },
  {
    // Tooling that must default-export its config.
    files: ['**/*.config.{js,mjs,cjs,ts}', 'jest.config.*', 'test/global-setup.ts'],
    rules: { 'import-x/no-default-export': 'off' },
  },
  {
    // Plain CommonJS build/dev scripts.
    files: ['**/*.{js,cjs}'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
