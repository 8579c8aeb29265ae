import type { OpenAPIObject } from '@nestjs/swagger';
import type { EventType } from './event-types';
import { EVENT_RESOURCES, EVENT_TYPES } from './event-types';

/** `booking.checked_in` → `EventBookingCheckedIn`: the schema of that event in openapi.json. */
export function eventSchemaName(type: EventType): string {
  return `Event${type
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}`;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Adds one schema per event type (`EventBookingCreated`: the event envelope with `type` fixed and `data`
 * the resource's GET schema), and `Event`, their union with a discriminator on `type`, which the feed's
 * page references. OpenAPI 3.0 has no `webhooks` section; webhook deliveries send the same `Event`.
 */
export function documentEvents(document: OpenAPIObject): void {
  const schemas = (document.components ??= {}).schemas ?? (document.components.schemas = {});
  const mapping: Record<string, string> = {};
  for (const type of EVENT_TYPES) {
    const name = eventSchemaName(type);
    const { schema, summary, adminOnly } = EVENT_RESOURCES[type];
    mapping[type] = `#/components/schemas/${name}`;
    schemas[name] = {
      description: `\`${type}\`: ${summary}${adminOnly ? ' Shown to admins only.' : ''} \`data\` is the ${schema} as its GET returns it.`,
      allOf: [
        ref('EventResponseDto'),
        {
          type: 'object',
          required: ['type', 'data'],
          properties: { type: { type: 'string', enum: [type] }, data: ref(schema) },
        },
      ],
    };
  }
  schemas.Event = {
    description: 'Any event; `type` says which, and which schema `data` follows.',
    oneOf: EVENT_TYPES.map((type) => ref(eventSchemaName(type))),
    discriminator: { propertyName: 'type', mapping },
  };
  const page = schemas.EventPageDto as { properties?: Record<string, unknown> } | undefined;
  if (page?.properties) page.properties.data = { type: 'array', items: ref('Event') };
}
