import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Oracle tests spawn tshark: files run in parallel, bounded by the machine's 2 cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit-and-oracle',
          include: ['test/**/*.test.ts'],
          exclude: ['test/lab/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Lab tests send on veths in network namespaces and some hold timing to 1 ms (replay at
        // --speed 1): they run after everything else, one file at a time, on a quiet machine.
        extends: true,
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
