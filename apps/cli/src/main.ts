import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LogLevel } from '@nestjs/common';
import { ConsoleLogger } from '@nestjs/common';
import type { Command, Help } from 'commander';
import { CommandFactory } from 'nest-commander';
import type { AppConfig } from '@aero/core';
import { ConfigError, DEV_SECRETS_FILE, dialectErrors, examplesOf, loadConfig } from '@aero/core';
import { CliModule } from './cli.module';

const CLI_NAME = 'aero';

/** The package version, from the package.json beside the sources or the build output. */
function packageVersion(): string {
  for (const up of ['../../..', '../../../../../..']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // try the next layout
    }
  }
  return 'unknown';
}

let activeConfig: AppConfig | undefined;

/** Where the database is, for a one-line connection error (never the password). */
function describeDatabase(config: AppConfig): string {
  const { type, host, port, database } = config.db;
  return type === 'sqlite' ? `sqlite at ${database}` : `${type} at ${host ?? '?'}:${port ?? 'default port'}/${database}`;
}

/** Prints one line and exits non-zero: operators read the reason, scripts read the exit code. */
function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  let firstLine = (message.split('\n').find((line) => line.trim() !== '') ?? 'failed').replace(/^error:\s*/i, '');
  if (activeConfig && dialectErrors(activeConfig.db.type).isConnectionFailure(error)) {
    firstLine = `cannot reach the database (${describeDatabase(activeConfig)}): ${firstLine}`;
  }
  process.stderr.write(`error: ${firstLine}\n`);
  process.exit(1);
}

/**
 * Diagnostics (e.g. a slow-query warning) go to stderr, so stdout carries only the command's output and
 * `--json` stays parseable by scripts. Errors are not logged here: `fail` reports each failure in one line.
 */
class StderrLogger extends ConsoleLogger {
  // Nest logs a failed start (the database's retries, then the stack) before it rethrows; the one line is ours.
  override error(): void {}

  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}

/** commander reports usage problems (and --help/--version) as errors it has already printed. */
function isCommanderError(error: unknown): error is Error & { code: string; exitCode: number } {
  const { code, exitCode } = error as { code?: unknown; exitCode?: unknown };
  return typeof code === 'string' && code.startsWith('commander.') && typeof exitCode === 'number';
}

/** `Usage: aero db:migrate [options]` rather than the script's file name. */
function commandUsage(cmd: Command): string {
  const names: string[] = [];
  for (let current: Command | null = cmd; current?.parent; current = current.parent)
    names.unshift(current.name());
  return [CLI_NAME, ...names, cmd.usage()].join(' ');
}

/** Marks required options, so `--help` says what must be given. */
function optionDescription(this: void, option: Parameters<Help['optionDescription']>[0], base: Help): string {
  const text = base.optionDescription(option);
  return option.mandatory ? `${text} (required)` : text;
}

/** Help words that only print: they never open the database, run migrations or connect to Redis. */
function onlyPrints(argv: string[]): boolean {
  const [command] = argv;
  if (!command || command === 'help' || command.startsWith('-')) return true;
  return argv.some((arg) => arg === '-h' || arg === '--help' || arg === '-V' || arg === '--version');
}

/**
 * Commands that work on data get a migrated schema at start, as the API does (DB_MIGRATIONS_RUN); `db:migrate`
 * applies and reports migrations itself.
 */
function readConfig(argv: string[]): AppConfig {
  try {
    const config = loadConfig();
    if (onlyPrints(argv)) {
      return {
        ...config,
        redisUrl: undefined,
        redisClusterNodes: undefined,
        db: { ...config.db, migrationsRun: false, openAtStart: false },
        webhooks: { ...config.webhooks, dispatchEnabled: false },
      };
    }
    const migrationsRun = config.db.migrationsRun && argv[0] !== 'db:migrate';
    // The CLI never dispatches webhooks: the API instances do (webhooks:test sends its one ping itself).
    return { ...config, db: { ...config.db, migrationsRun }, webhooks: { ...config.webhooks, dispatchEnabled: false } };
  } catch (error) {
    if (error instanceof ConfigError) fail(new Error(`invalid configuration: ${error.problems.join('; ')}`));
    throw error;
  }
}

/**
 * Warnings worth an operator's attention, once: help and version print nothing else, and the development
 * secrets notice appears on the run that generates them, not on every command after.
 */
function warnings(config: AppConfig, argv: string[], devSecretsExisted: boolean): string[] {
  if (onlyPrints(argv)) return [];
  return config.warnings.filter((w) => !(devSecretsExisted && w.includes(DEV_SECRETS_FILE)));
}

async function bootstrap(): Promise<void> {
  const argv = process.argv.slice(2);
  const devSecretsExisted = existsSync(resolve(DEV_SECRETS_FILE));
  const config = readConfig(argv);
  activeConfig = config;
  for (const warning of warnings(config, argv, devSecretsExisted)) process.stderr.write(`warning: ${warning}\n`);
  await CommandFactory.run(CliModule.forRoot(config), {
    cliName: CLI_NAME,
    version: packageVersion(),
    // Errors surface to `fail` as one line instead of Nest's logged stack and exit.
    abortOnError: false,
    logger: new StderrLogger({ logLevels: ['warn'] }),
    helpConfiguration: {
      commandUsage,
      sortSubcommands: true,
      optionDescription(option) {
        return optionDescription(option, Object.getPrototypeOf(this) as Help);
      },
      formatHelp(cmd, helper) {
        const base = (Object.getPrototypeOf(helper) as Help).formatHelp.call(helper, cmd, helper);
        const examples = examplesOf(cmd.name());
        return examples.length === 0 ? base : `${base}\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n`;
      },
    },
    errorHandler: (error) => {
      if (isCommanderError(error)) process.exit(error.exitCode === 0 ? 0 : 1);
      fail(error);
    },
    serviceErrorHandler: fail,
  });
}

bootstrap().catch(fail);
