import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_VERSION } from './version';

const root = join(__dirname, '../../..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const json = (file: string) => JSON.parse(read(file)) as { version?: string; info?: { version: string } };

describe('versions in step', () => {
  const changelog = read('CHANGELOG.md');
  const headings = [...changelog.matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$/gm)].map((m) => ({ version: m[1], date: m[2] }));

  it('keeps a Keep a Changelog file with Unreleased on top and dated releases, newest first', () => {
    expect(headings[0]).toEqual({ version: 'Unreleased', date: undefined });
    const releases = headings.slice(1);
    expect(releases.length).toBeGreaterThan(0);
    for (const release of releases) {
      expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(release.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    const dates = releases.map((r) => r.date ?? '');
    expect([...dates].sort().reverse()).toEqual(dates);
    for (const section of changelog.matchAll(/^### (.+)$/gm)) {
      expect(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security']).toContain(section[1]);
    }
  });

  it('gives package.json, the OpenAPI info.version, the SDK and the newest release one version', () => {
    const newest = headings[1]?.version;
    expect(json('package.json').version).toBe(newest);
    expect(API_VERSION).toBe(newest);
    expect(json('openapi.json').info?.version).toBe(newest);
    expect(json('packages/client/package.json').version).toBe(newest);
  });
});
