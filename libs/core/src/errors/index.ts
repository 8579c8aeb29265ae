export * from './app-error';
export * from './problem-types';
export * from './failure-cause';
