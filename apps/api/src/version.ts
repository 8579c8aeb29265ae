/**
 * The API's version: `info.version` of the OpenAPI document. Kept equal to package.json's `version` and
 * the newest release in CHANGELOG.md (apps/api/src/version.spec.ts checks all three).
 */
export const API_VERSION = '0.2.0';
