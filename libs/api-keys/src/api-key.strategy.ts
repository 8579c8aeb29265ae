import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import type { PassportStatic } from 'passport';
import { Strategy } from 'passport-custom';
import { API_KEY_STRATEGY, UNSHARED_REGISTRY } from '@aero/auth';
import type { Principal } from '@aero/auth';
import { ApiKeysService } from './api-keys.service';

/**
 * `X-API-Key` → the key's Principal (ApiKeysService.verify: checksum, cached row, HMAC, status; no query
 * for a cached key). Throws the api-keys problem types.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, API_KEY_STRATEGY) {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  getPassportInstance(): PassportStatic {
    return UNSHARED_REGISTRY;
  }

  validate(request: Request): Promise<Principal> {
    const header = request.headers['x-api-key'] ?? '';
    return this.keys.verify(Array.isArray(header) ? header.join(',') : header);
  }
}
