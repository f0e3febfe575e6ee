// Builds the SOC dashboard into dashboard/dist, which the daemon serves at `/`. Relative asset
// paths are not needed: the daemon serves the dashboard at the root of its origin.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The dashboard runs on an operator's current browser; no legacy transpilation.
    target: 'es2022',
    sourcemap: true,
  },
});
