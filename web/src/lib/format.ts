const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 min ago", "3 h ago", "2 days ago", "in 4 days"; absolute date beyond a month; "Never" for no date. */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "Never";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "—";
  const diff = now - at;
  const future = diff < 0;
  const abs = Math.abs(diff);
  let text: string;
  if (abs < MINUTE) return future ? "in a moment" : "just now";
  if (abs < HOUR) text = `${Math.floor(abs / MINUTE)} min`;
  else if (abs < DAY) text = `${Math.floor(abs / HOUR)} h`;
  else if (abs < 30 * DAY) {
    const days = Math.floor(abs / DAY);
    text = `${days} ${days === 1 ? "day" : "days"}`;
  } else return formatDate(iso);
  return future ? `in ${text}` : `${text} ago`;
}

/** "12 Mar 2026" in the viewer's locale-independent short form, so tables line up. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** "12 Mar 2026, 14:05:09" in local time, for audit entries where seconds matter. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${formatDate(iso)}, ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** ISO timestamp `days` after `now`, for expiry pickers. */
export function daysFromNow(days: number, now: number = Date.now()): string {
  return new Date(now + days * DAY).toISOString();
}

/** Start (or end) of a local calendar day given as `yyyy-mm-dd`, as ISO, for date-range filters. */
export function dayBoundary(date: string, edge: "start" | "end"): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return undefined;
  const [, y, m, d] = match.map(Number);
  const local = edge === "start" ? new Date(y, m - 1, d, 0, 0, 0, 0) : new Date(y, m - 1, d, 23, 59, 59, 999);
  return local.toISOString();
}

/** "ada@example.com" → "AL"-style initials for avatars, from a display name when there is one. */
export function initials(name: string, email = ""): string {
  const source = name.trim() || email.split("@")[0] || "?";
  const parts = source.split(/[\s._-]+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : source.slice(0, 2);
  return letters.toUpperCase();
}

/** "850 ms", "4.2 s", "12 s", "3 min 4 s", "2 h 5 min", "3 d 4 h": two units at most, so tables stay narrow. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || Number.isNaN(ms)) return "—";
  const abs = Math.max(0, ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  const seconds = abs / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const totalSeconds = Math.round(seconds);
  if (totalSeconds < 3600) return twoUnits(Math.floor(totalSeconds / 60), "min", totalSeconds % 60, "s");
  const totalMinutes = Math.round(totalSeconds / 60);
  if (totalMinutes < 24 * 60) return twoUnits(Math.floor(totalMinutes / 60), "h", totalMinutes % 60, "min");
  const totalHours = Math.round(totalMinutes / 60);
  return twoUnits(Math.floor(totalHours / 24), "d", totalHours % 24, "h");
}

function twoUnits(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
}

/** "14:05:09" in local time, for events within one run. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "just now", "40 s ago", then as relativeTime: how old the data on a live page is. */
export function updatedAgo(at: number, now: number = Date.now()): string {
  const seconds = Math.floor((now - at) / 1000);
  if (seconds < 10) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  return relativeTime(new Date(at).toISOString(), now);
}
