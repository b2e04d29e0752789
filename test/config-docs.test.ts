import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../src/config-catalog.js';

/** The three places that list the configuration, and the code that reads it, agree with one catalog. */

const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const names = (vars: readonly { name: string }[]) => [...new Set(vars.map((v) => v.name))].sort();
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const CATALOG = names(CONFIG_VARIABLES);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

// `env.NAME`, `env['NAME']`, `process.env.NAME`, or a quoted name with one of our prefixes.
const ENV_READ = /(?:env(?:\.|\[['"]))([A-Z][A-Z0-9_]+)|['"]((?:NSELF|STRIPE|POSTGRES)_[A-Z0-9_]+|DATABASE_URL|PORT|HOST|LOG_LEVEL)['"]/g;

function namesReadByCode(): string[] {
  const found = new Set<string>();
  for (const file of sourceFiles(join(root, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(ENV_READ)) {
      const name = m[1] ?? m[2]!;
      if (!name.endsWith('_FILE')) found.add(name);
    }
  }
  return sorted(found);
}

function readmeConfigurationTable(): string[] {
  const text = read('README.md');
  const start = text.indexOf('## Configuration');
  const section = text.slice(start, text.indexOf('\n## ', start + 1));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return sorted(rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)));
}

describe('the configuration catalog', () => {
  it('lists exactly the variables the code reads', () => {
    expect(namesReadByCode()).toEqual(CATALOG);
  });

  it('matches .env.example', () => {
    const listed = [...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(sorted(listed)).toEqual(CATALOG);
  });

  it("matches plugin.json's env lists: required, optional, development and secrets", () => {
    const env = (JSON.parse(read('plugin.json')) as { env: Record<string, string[]> }).env;
    expect(sorted([...env.required!, ...env.optional!, ...env.development!])).toEqual(CATALOG);
    expect(sorted(env.required!)).toEqual(names(CONFIG_VARIABLES.filter((v) => v.required)));
    expect(sorted(env.development!)).toEqual(names(CONFIG_VARIABLES.filter((v) => v.scope !== 'service')));
    expect(sorted(env.secrets!)).toEqual(names(CONFIG_VARIABLES.filter((v) => v.secret)));
  });

  it("matches the README's Configuration table", () => {
    expect(readmeConfigurationTable()).toEqual(CATALOG);
  });
});
