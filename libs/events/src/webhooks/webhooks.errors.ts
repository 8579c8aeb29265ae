import { defineProblemType } from '@aero/core';

/** Problem types of webhook endpoint management. */
export const WebhookProblems = {
  endpointNotFound: defineProblemType({
    code: 'WEBHOOK_ENDPOINT_NOT_FOUND',
    slug: 'webhook-endpoint-not-found',
    status: 404,
    title: 'Webhook endpoint not found',
    description: 'No webhook endpoint with this id is visible to the caller (an API key sees only the endpoints it created).',
  }),
  deliveryNotFound: defineProblemType({
    code: 'WEBHOOK_DELIVERY_NOT_FOUND',
    slug: 'webhook-delivery-not-found',
    status: 404,
    title: 'Webhook delivery not found',
    description: 'No delivery with this id for this endpoint.',
  }),
  targetRefused: defineProblemType({
    code: 'WEBHOOK_TARGET_REFUSED',
    slug: 'webhook-target-refused',
    status: 422,
    title: 'Webhook URL refused',
    description:
      'Webhook URLs must be https:// in production and may not point at loopback, private, link-local, unique-local or cloud metadata addresses, nor carry credentials. `errors` says what is wrong with `url`.',
  }),
  deliveryInFlight: defineProblemType({
    code: 'WEBHOOK_DELIVERY_IN_FLIGHT',
    slug: 'webhook-delivery-in-flight',
    status: 409,
    title: 'Delivery being sent',
    description: 'An instance is sending this delivery right now; look at its attempts again in a moment.',
  }),
} as const;
