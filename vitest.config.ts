import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The layers (kafkats/otel, kafkats/prometheus …) import the core by the package's name, as an
// application would; in tests that name means the sources, not the built dist.
const resolve = {
  alias: [
    { find: /^kafkats$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    { find: /^kafkats\/(.+)$/, replacement: fileURLToPath(new URL('./src/$1/index.ts', import.meta.url)) },
  ],
}

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        resolve,
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
        resolve,
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
