import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

// The Rust server embeds dist/ and serves it at `/` (unknown non-API paths fall back to
// index.html), so history routing works. `npm run dev` proxies the API to a local server.
export default defineConfig({
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  build: {
    target: 'es2019',
    outDir: 'dist',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
