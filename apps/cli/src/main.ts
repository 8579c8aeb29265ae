import 'reflect-metadata';
import type { LogLevel } from '@nestjs/common';
import { ConsoleLogger } from '@nestjs/common';
import type { Command } from 'commander';
import { CommandFactory } from 'nest-commander';
import type { AppConfig } from '@aero/core';
import { ConfigError, loadConfig } from '@aero/core';
import { CliModule } from './cli.module';

const CLI_NAME = 'npm run cli --';

/** Prints one line and exits non-zero: operators read the reason, scripts read the exit code. */
function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n').find((line) => line.trim() !== '') ?? 'failed';
  process.stderr.write(`error: ${firstLine.replace(/^error:\s*/i, '')}\n`);
  process.exit(1);
}

/**
 * Diagnostics (e.g. a slow-query warning) go to stderr, so stdout carries only the command's output and
 * `--json` stays parseable by scripts.
 */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}

/** commander reports usage problems (and --help/--version) as errors it has already printed. */
function isCommanderError(error: unknown): error is Error & { code: string; exitCode: number } {
  const { code, exitCode } = error as { code?: unknown; exitCode?: unknown };
  return typeof code === 'string' && code.startsWith('commander.') && typeof exitCode === 'number';
}

/** `Usage: npm run cli -- db:migrate [options]` rather than the script's file name. */
function commandUsage(cmd: Command): string {
  const names: string[] = [];
  for (let current: Command | null = cmd; current?.parent; current = current.parent)
    names.unshift(current.name());
  return [CLI_NAME, ...names, cmd.usage()].join(' ');
}

/**
 * Commands that work on data get a migrated schema at start, as the API does (DB_MIGRATIONS_RUN); `db:migrate`
 * applies and reports migrations itself, and help never changes the database.
 */
function migratesAtStart(argv: string[]): boolean {
  const [command, ...rest] = argv;
  if (!command || command.startsWith('-') || command === 'help' || command === 'db:migrate') return false;
  return !rest.some((arg) => arg === '-h' || arg === '--help');
}

function readConfig(): AppConfig {
  try {
    const config = loadConfig();
    const migrationsRun = config.db.migrationsRun && migratesAtStart(process.argv.slice(2));
    return { ...config, db: { ...config.db, migrationsRun } };
  } catch (error) {
    if (error instanceof ConfigError) fail(new Error(`invalid configuration: ${error.problems.join('; ')}`));
    throw error;
  }
}

async function bootstrap(): Promise<void> {
  const config = readConfig();
  for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
  await CommandFactory.run(CliModule.forRoot(config), {
    cliName: CLI_NAME,
    logger: new StderrLogger({ logLevels: ['error', 'warn'] }),
    helpConfiguration: { commandUsage },
    errorHandler: (error) => {
      if (isCommanderError(error)) process.exit(error.exitCode === 0 ? 0 : 1);
      fail(error);
    },
    serviceErrorHandler: fail,
  });
}

bootstrap().catch(fail);
