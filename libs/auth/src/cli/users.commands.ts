import { Command, CommandRunner, Option } from 'nest-commander';
import type { Role } from '../principal';
import { ROLES } from '../principal';
import { generatePassword, UsersService } from '../users/users.service';

interface CreateOptions {
  email: string;
  password?: string;
  role: Role[];
  json?: boolean;
}

function out(data: unknown, json: boolean | undefined, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
}

@Command({
  name: 'users:create',
  description: 'Create a user; without --password a random one is generated and printed once',
})
export class UsersCreateCommand extends CommandRunner {
  constructor(private readonly users: UsersService) {
    super();
  }

  async run(_args: string[], options: CreateOptions): Promise<void> {
    const generated = options.password === undefined;
    const password = options.password ?? generatePassword();
    const user = await this.users.create({ email: options.email, password, roles: options.role });
    const shown = generated ? { password } : {};
    out({ user, ...shown }, options.json, `Created ${user.email} (${user.roles.join(', ')}) id ${user.id}${generated ? `\nPassword (shown once): ${password}` : ''}`);
  }

  @Option({ flags: '--email <email>', description: 'sign-in email', required: true })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--password <password>', description: 'initial password (8–128 characters); omit to generate one' })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--role <role>', description: `role(s), comma-separated: ${ROLES.join(', ')}`, required: true })
  parseRole(value: string): Role[] {
    const roles = value.split(',').map((r) => r.trim()).filter(Boolean);
    const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (roles.length === 0 || bad.length > 0) throw new Error(`--role must be one or more of ${ROLES.join(', ')}`);
    return roles as Role[];
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'users:disable', arguments: '<email>', description: 'Disable a user and end all of their sessions' })
export class UsersDisableCommand extends CommandRunner {
  constructor(private readonly users: UsersService) {
    super();
  }

  async run([email]: string[], options: { json?: boolean }): Promise<void> {
    const user = await this.users.disableByEmail(email);
    out({ user }, options.json, `Disabled ${user.email}; their sessions are ended.`);
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'users:delete',
  arguments: '<email>',
  description: 'Delete a user for good; their sessions end and their access tokens are refused everywhere',
})
export class UsersDeleteCommand extends CommandRunner {
  constructor(private readonly users: UsersService) {
    super();
  }

  async run([email]: string[], options: { json?: boolean }): Promise<void> {
    const user = await this.users.deleteByEmail(email);
    out({ user }, options.json, `Deleted ${user.email}; their sessions are ended.`);
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'users:reset-password',
  arguments: '<email>',
  description: 'Set a new password (random unless --password) and end all sessions of the user',
})
export class UsersResetPasswordCommand extends CommandRunner {
  constructor(private readonly users: UsersService) {
    super();
  }

  async run([email]: string[], options: { password?: string; json?: boolean }): Promise<void> {
    const { user, password } = await this.users.resetPassword(email, options.password);
    const shown = options.password === undefined ? { password } : {};
    out({ user, ...shown }, options.json, `Password of ${user.email} changed; sessions ended.${options.password === undefined ? `\nNew password (shown once): ${password}` : ''}`);
  }

  @Option({ flags: '--password <password>', description: 'the new password; omit to generate one' })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}
