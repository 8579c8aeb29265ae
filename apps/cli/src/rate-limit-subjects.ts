import { Injectable } from '@nestjs/common';
import type { RateLimitSubject } from '@aero/core';
import { AppError } from '@aero/core';
import { RateLimitSubjects } from '@aero/core/cli';
import { ApiKeysService } from '@aero/api-keys';
import { UsersService } from '@aero/auth';

/** What `rate-limits:*` need about a key or a user, read through the owning features' services. */
@Injectable()
export class CliRateLimitSubjects extends RateLimitSubjects {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly users: UsersService,
  ) {
    super();
  }

  async find(kind: 'apiKey' | 'user', id: string): Promise<RateLimitSubject | undefined> {
    try {
      if (kind === 'apiKey') {
        const key = await this.apiKeys.get(id);
        const subject: RateLimitSubject = { kind, id, roles: [] };
        if (key.rateLimitPerMinute !== null) subject.rateLimitPerMinute = key.rateLimitPerMinute;
        if (key.monthlyQuota !== null) subject.monthlyQuota = key.monthlyQuota;
        return subject;
      }
      const user = await this.users.get(id);
      return { kind, id, roles: user.roles };
    } catch (error) {
      if (error instanceof AppError && error.status === 404) return undefined;
      throw error;
    }
  }
}
