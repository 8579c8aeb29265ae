import { Injectable } from '@nestjs/common';
import { AppError, ReadDataSource } from '@aero/core';
import type { Principal } from '@aero/auth';
import { isAdmin, UsersService } from '@aero/auth';
import { ApiKeysService } from '@aero/api-keys';
import type { Anomaly } from './anomalies';
import type {
  UsageAnomalyDto,
  UsageQueryDto,
  UsageReportDto,
  UsageSummaryDto,
  UsageSummaryQueryDto,
} from './usage.dto';
import { UsageProblems } from './usage.errors';
import { resolveRange } from './usage-range';
import type { PrincipalKind } from './usage-record';
import { UsageService } from './usage.service';

/**
 * Who may read whose usage. Everyone reads their own. Admins read anyone's. A key with `usage:read` and no
 * venue restriction reads any key or user; a venue-restricted one only keys and users restricted to a
 * subset of its venues (never an unrestricted one, which could act on other venues too).
 */
@Injectable()
export class UsageAccessService {
  constructor(
    private readonly usage: UsageService,
    private readonly apiKeys: ApiKeysService,
    private readonly users: UsersService,
    private readonly reader: ReadDataSource,
  ) {}

  own(caller: Principal, query: UsageQueryDto): Promise<UsageReportDto> {
    return this.report(caller.kind, caller.id, query);
  }

  async forKey(caller: Principal, keyId: string, query: UsageQueryDto): Promise<UsageReportDto> {
    const range = resolveRange(query, query.granularity ?? 'hour');
    const key = await this.apiKeys.get(keyId).catch(notFoundAsHidden);
    this.assertVisible(caller, key.venueIds);
    return this.report('apiKey', keyId, query, range);
  }

  async forUser(caller: Principal, userId: string, query: UsageQueryDto): Promise<UsageReportDto> {
    const range = resolveRange(query, query.granularity ?? 'hour');
    const user = await this.users.get(userId).catch(notFoundAsHidden);
    this.assertVisible(caller, user.venueIds);
    return this.report('user', userId, query, range);
  }

  async summary(query: UsageSummaryQueryDto): Promise<UsageSummaryDto> {
    // Reports tolerate staleness (usage shows within about a second anyway): the read replica serves them
    // when it is fresh enough. Who the principal is (above, in forKey/forUser) is read on the primary.
    const summary = await this.reader.read(() => this.usage.summary(resolveRange(query, 'hour')));
    return {
      ...summary,
      topPrincipals: summary.topPrincipals.map(({ principalKind, principalId, ...line }) => ({
        principal: { kind: principalKind, id: principalId },
        ...line,
      })),
      anomalies: summary.anomalies.map(toAnomalyDto),
    };
  }

  private assertVisible(caller: Principal, targetVenueIds: string[] | null): void {
    if (isAdmin(caller) || caller.venueIds === undefined) return;
    const allowed = caller.venueIds;
    const visible = !!targetVenueIds?.length && targetVenueIds.every((venue) => allowed.includes(venue));
    if (!visible) throw new AppError(UsageProblems.principalNotFound);
  }

  private async report(
    kind: PrincipalKind,
    id: string,
    query: UsageQueryDto,
    range = resolveRange(query, query.granularity ?? 'hour'),
  ): Promise<UsageReportDto> {
    const report = await this.reader.read(() =>
      this.usage.report({ principalKind: kind, principalId: id }, range, query.granularity ?? 'hour'),
    );
    return { principal: { kind, id }, ...report };
  }
}

function notFoundAsHidden(error: unknown): never {
  if (error instanceof AppError && error.status === 404) throw new AppError(UsageProblems.principalNotFound);
  throw error;
}

export function toAnomalyDto(anomaly: Anomaly): UsageAnomalyDto {
  const { principalKind, principalId, ...rest } = anomaly;
  return { principal: { kind: principalKind, id: principalId }, ...rest };
}
