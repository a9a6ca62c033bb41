// Vite: `npm run dev` serves the client with hot reload on :5173 and forwards /api (REST
// and the WebSocket) to a running gateway (INSTANT_GATEWAY, default 127.0.0.1:8080), with
// the gateway's own origin on the socket so its Origin check passes unchanged.
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

const gateway = process.env.INSTANT_GATEWAY ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [vue()],
  build: {
    target: 'es2022',
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': {
        target: gateway,
        ws: true,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReqWs', (req) => req.setHeader('origin', gateway))
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
  },
})
