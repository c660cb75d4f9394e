// A static single-page app: the Worker serves index.html for every dashboard path and data comes from /api/v1.
export const ssr = false;
export const prerender = false;
export const trailingSlash = "never";
