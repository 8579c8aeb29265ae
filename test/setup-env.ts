import 'reflect-metadata';
// Tests never read a developer's .env or data/ secrets: each suite gets an explicit, throwaway config.
process.env.NODE_ENV = 'test';
process.env.TZ = process.env.TEST_TZ ?? 'UTC';
