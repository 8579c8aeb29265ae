import { Command, CommandRunner, Option } from 'nest-commander';
import { ApiKeysService } from '@aero/api-keys';
import { UsersService } from '@aero/auth';
import { BookingsSeedService } from '@aero/bookings';
import { printResult } from '@aero/core';

interface Options {
  json?: boolean;
}

/**
 * Loads a small, realistic demo data set for local runs. Idempotent: running it again changes nothing.
 * Each feature contributes through its own service (see the seed steps below).
 */
@Command({ name: 'db:seed', description: 'Load the demo data set (idempotent)' })
export class DbSeedCommand extends CommandRunner {
  constructor(
    private readonly users: UsersService,
    private readonly apiKeys: ApiKeysService,
    private readonly venueDemo: BookingsSeedService,
  ) {
    super();
  }

  async run(_args: string[], options: Options): Promise<void> {
    const created: Record<string, number> = {};
    // Secrets are generated, never fixed in the repo, and printed only when created.
    const secrets: Record<string, string> = {};
    const admin = await this.users.ensureSeedAdmin();
    created.adminUsers = admin.password ? 1 : 0;
    if (admin.password) secrets[`password of ${admin.user.email}`] = admin.password;
    const kiosk = await this.apiKeys.ensureDemoKioskKey();
    created.apiKeys = kiosk.key ? 1 : 0;
    if (kiosk.key) secrets[`API key '${kiosk.apiKey.name}'`] = kiosk.key;
    // Venue domain: AeroSports Toronto, a week of sessions, members with and without waivers, bookings.
    Object.assign(created, await this.venueDemo.seed());
    const shown = Object.keys(secrets).length > 0 ? { secrets } : {};
    printResult({ created, ...shown }, options.json, () =>
      [
        `Seed complete: ${Object.entries(created).map(([what, n]) => `${what} +${n}`).join(', ')}.`,
        ...Object.entries(secrets).map(([what, value]) => `${what} (shown once): ${value}`),
      ].join('\n'),
    );
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}
