import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    // `vite dev` in web/ talks to `wrangler dev` for the API, so the dashboard can hot-reload.
    proxy: { "/api": "http://localhost:8787", "/webhooks": "http://localhost:8787" },
  },
  build: {
    target: "es2022",
    // The timing report fires whenever the shared CI machine is slow; it says nothing about this app.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
