// The package's own version; the bundle inlines it, so the installed CLI needs no package.json read at run time.
import { version } from "./package.json";

export const CLI_VERSION: string = version;
