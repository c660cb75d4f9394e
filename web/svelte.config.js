import adapter from "@sveltejs/adapter-static";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** Static SPA: the Worker serves build/ and falls back to index.html for every non-API path. */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    adapter: adapter({ pages: "build", assets: "build", fallback: "index.html", strict: true }),
    // Client-side navigations need no server round trip; the version check would poll a file the SPA never changes.
    version: { pollInterval: 0 },
  },
};

export default config;
