import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    // `vite dev` in web/ talks to `wrangler dev` for the API, so the dashboard can hot-reload.
    proxy: { "/api": "http://localhost:8787", "/webhooks": "http://localhost:8787" },
  },
  build: { target: "es2022" },
});
