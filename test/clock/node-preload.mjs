// Preloaded into every Node process of a pinned test run (NODE_OPTIONS=--import …, set by scripts/test-at.mjs):
// the test runner, the tool fakes, the e2e helpers and the CLI all see the pinned clock.
import { clockOffsetMs, shiftDate } from "./shift-date.mjs";

shiftDate(clockOffsetMs(process.env.TUTTI_CLOCK_OFFSET_MS));
