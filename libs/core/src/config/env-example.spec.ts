import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { loadConfig } from './app-config';
import { EnvDto } from './env.dto';

interface ExampleEntry {
  name: string;
  value: string;
  /** `# NAME=` lines: optional settings, unset by default. */
  commented: boolean;
  /** The comment line just above the entry. */
  description: string;
}

const EXAMPLE_PATH = resolve(__dirname, '../../../../.env.example');

function parseExample(text: string): ExampleEntry[] {
  const lines = text.split(/\r?\n/);
  const entries: ExampleEntry[] = [];
  lines.forEach((line, index) => {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) return;
    const above = lines[index - 1] ?? '';
    entries.push({
      name: match[2],
      value: match[3].trim(),
      commented: Boolean(match[1]),
      description:
        above.startsWith('#') && !/^#\s*[A-Z][A-Z0-9_]*=/.test(above) ? above.replace(/^#\s*/, '') : '',
    });
  });
  return entries;
}

/** Every property of EnvDto (each one carries class-validator metadata). */
function envDtoProperties(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(EnvDto, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

describe('.env.example', () => {
  const entries = parseExample(readFileSync(EXAMPLE_PATH, 'utf8'));
  const defaults = new EnvDto() as unknown as Record<string, unknown>;

  it('lists exactly the variables EnvDto declares, once each', () => {
    const names = entries.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(envDtoProperties());
  });

  it('describes every variable on the line above it', () => {
    const undescribed = entries.filter((e) => e.description.length < 10).map((e) => e.name);
    expect(undescribed).toEqual([]);
  });

  it('shows the real default for every active line, and comments out only settings without one', () => {
    for (const entry of entries) {
      const fallback = defaults[entry.name];
      if (entry.commented) {
        expect({ name: entry.name, default: fallback }).toEqual({ name: entry.name, default: undefined });
      } else {
        expect({ name: entry.name, value: entry.value }).toEqual({
          name: entry.name,
          value: String(fallback),
        });
      }
    }
  });

  it('is mirrored by the configuration table in README.md', () => {
    const readme = readFileSync(resolve(__dirname, '../../../../README.md'), 'utf8');
    const missing = envDtoProperties().filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });

  it('is itself a valid configuration', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'aero-env-example-'));
    try {
      const env = Object.fromEntries(entries.filter((e) => !e.commented).map((e) => [e.name, e.value]));
      const config = loadConfig(env, cwd);
      expect(config.http.port).toBe(3000);
      expect(config.db.type).toBe('sqlite');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
