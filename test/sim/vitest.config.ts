import { defineConfig } from 'vitest/config';

// The simulator's own tests need no database: run them alone with
// `npx vitest run --config test/sim/vitest.config.ts` (the root config runs them too).
export default defineConfig({
  test: {
    include: ['test/sim/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
