// Vite builds the client into dist/; the API's address is read at run time from /config.json
// (written by whoever serves dist/: `make run` locally, the site's deploy in prod), so one build
// serves every stage.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, reportCompressedSize: true },
})
