/** Debian's chromium: $CHROMIUM_PATH, else `chromium` on PATH, else /usr/bin/chromium; null when none exists. */
export function findChromium(): string | null;
