import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { ConfigError, loadConfig } from '@aero/core';
import { CliModule } from './cli.module';

/** Prints one line and exits non-zero: operators read the reason, scripts read the exit code. */
function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message.split('\n')[0]}\n`);
  process.exit(1);
}

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
  await CommandFactory.run(CliModule.forRoot(config), {
    cliName: 'npm run cli --',
    logger: ['error', 'warn'],
    errorHandler: (error) => {
      // commander reports --help and --version as "errors" with exit code 0.
      const code = (error as { exitCode?: number }).exitCode;
      if (code === 0) process.exit(0);
      fail(error);
    },
    serviceErrorHandler: fail,
  });
}

bootstrap().catch(fail);
