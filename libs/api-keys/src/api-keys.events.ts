import type { ApiKeyDto } from './api-key.dto';

// The `data` of the events this feature emits: the key as GET /v1/api-keys/{id} returns it (no secret).
declare module '@aero/events' {
  interface EventPayloads {
    'api_key.created': ApiKeyDto;
    'api_key.revoked': ApiKeyDto;
    'api_key.rotated': ApiKeyDto;
  }
}
