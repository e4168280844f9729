import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Lab tests create network namespaces; oracle tests spawn tshark. Keep files in parallel
    // but bounded by the machine's 2 cores.
    maxWorkers: 2,
  },
});
