import { defineConfig } from 'tsup'

export default defineConfig({
  // Each layer is its own entry; a layer reaches the core through the package name (external), so
  // the core is bundled once and its classes stay one set.
  entry: {
    index: 'src/index.ts',
    otel: 'src/otel/index.ts',
    prometheus: 'src/prometheus/index.ts',
    'schema-registry': 'src/schema-registry/index.ts',
  },
  external: ['kafkats'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  treeshake: true,
})
