// The lib's second front door, `@aero/members/cli`: its admin CLI commands, kept out of `index.ts` so the API
// process never loads nest-commander and the prompt libraries behind it (only apps/cli imports this).
export * from './members-commands.module';
