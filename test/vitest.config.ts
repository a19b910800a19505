import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real HTTP servers on ephemeral loopback ports, so files can run in parallel.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default'],
  },
});
