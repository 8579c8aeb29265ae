export { Public } from '@aero/core';
export * from './authenticated.decorator';
export * from './current-principal.decorator';
export * from './principal';
