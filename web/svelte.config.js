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
    // The dashboard's Content-Security-Policy. SvelteKit hashes its inline bootstrap script into script-src and
    // writes the policy into the page; the Worker sends the same policy as a header, adding frame-ancestors, which
    // a <meta> policy cannot carry (worker/middleware/security-headers.ts). Styles stay 'unsafe-inline': components
    // and the graph library set style attributes, which cannot be hashed.
    csp: {
      mode: "hash",
      directives: {
        "default-src": ["self"],
        "script-src": ["self"],
        "style-src": ["self", "unsafe-inline"],
        "img-src": ["self", "data:"],
        "font-src": ["self"],
        "connect-src": ["self"],
        "object-src": ["none"],
        "base-uri": ["self"],
        "form-action": ["self"],
      },
    },
  },
};

export default config;
