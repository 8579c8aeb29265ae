// The lib's second front door, `@aero/core/cli`: its admin CLI commands, kept out of `index.ts` so the API
// process never loads nest-commander and the prompt libraries behind it (only apps/cli imports this).
export * from '../idempotency/cli/idempotency-commands.module';
export * from '../rate-limit/cli/rate-limits.commands';
export * from '../rate-limit/cli/rate-limits-commands.module';
