/** Reading single settings out of the environment; every problem is collected, never thrown. */

export type Env = Record<string, string | undefined>;

export function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** A comma list that, when set at all, must list something: `,` alone is a mistake, not "none". */
export function nonEmptyList(name: string, value: string | undefined, problems: string[]): string[] {
  const entries = list(value);
  if (value !== undefined && value.trim() !== '' && entries.length === 0) problems.push(`${name} is set but lists nothing`);
  return entries;
}

export function intSetting(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be an integer between ${min} and ${max}`);
    return fallback;
  }
  return n;
}

export function boolSetting(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  problems.push(`${name} must be true or false`);
  return fallback;
}
