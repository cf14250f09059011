import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One broker on a two-core machine: run suites one after another.
          fileParallelism: false,
        },
      },
      {
        // Chaos scenarios (3-broker cluster, killed brokers and members, fault proxy) and the soak:
        // short forms by default, the long forms with KAFKATS_CHAOS_LONG=1 / KAFKATS_SOAK_MS.
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts', 'test/soak/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
