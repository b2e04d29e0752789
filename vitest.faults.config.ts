import { defineConfig } from 'vitest/config';

// The fault and load suite (`npm run test:faults`): real PostgreSQL (one file starts and
// stops its own embedded server), the simulator and real HTTP. Heavy, so few forks and
// generous timeouts; kept apart from `npm test`.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
