import type { IconName } from "./components/Icon.svelte";

export interface NavItem {
  href: string;
  label: string;
  icon: IconName;
  /** Pages of the section that have a list of their own, shown indented under it. */
  sub?: { href: string; label: string }[];
}

/** Main sections, in the order of the left navigation. */
export const mainNav: NavItem[] = [
  { href: "/", label: "Overview", icon: "overview" },
  { href: "/products", label: "Data products", icon: "products" },
  { href: "/pipelines", label: "Pipelines", icon: "pipelines" },
  { href: "/runs", label: "Runs", icon: "runs", sub: [{ href: "/backfills", label: "Backfills" }] },
  { href: "/lineage", label: "Lineage", icon: "lineage", sub: [{ href: "/dbt", label: "dbt projects" }] },
  { href: "/costs", label: "Costs", icon: "costs" },
  { href: "/alerts", label: "Alerts", icon: "alerts", sub: [{ href: "/alerts/dead-letters", label: "Dead letters" }] },
  { href: "/owners", label: "Owners", icon: "teams" },
];

export const settingsNav: NavItem[] = [
  { href: "/settings/teams", label: "Teams", icon: "teams" },
  { href: "/settings/members", label: "Members", icon: "members" },
  { href: "/settings/invitations", label: "Invitations", icon: "invitations" },
  { href: "/settings/tokens", label: "API tokens", icon: "tokens" },
  { href: "/settings/connections", label: "Connections", icon: "connections" },
  { href: "/settings/collectors", label: "Collectors", icon: "costs" },
  { href: "/settings/pools", label: "Pools", icon: "settings" },
  { href: "/settings/alerting", label: "Alerting", icon: "alerts" },
  { href: "/settings/audit-log", label: "Audit log", icon: "audit" },
  { href: "/settings/workspace", label: "Workspace", icon: "settings" },
  { href: "/settings/sso", label: "Single sign-on", icon: "lock" },
  { href: "/settings/storage", label: "Storage", icon: "archive" },
  { href: "/settings/sessions", label: "Sessions", icon: "lock" },
  { href: "/settings/account", label: "Your account", icon: "lock" },
];

/** Pages reached from a section that have no nav item of their own: dataset pages belong to Lineage. */
const relatedPaths: Record<string, string[]> = { "/lineage": ["/datasets"] };

/** A nav item is current on its own path and below it (and on its related pages); Overview only on "/". */
export function isCurrent(href: string, pathname: string): boolean {
  if (href === "/") return pathname === "/";
  return [href, ...(relatedPaths[href] ?? [])].some((h) => pathname === h || pathname.startsWith(`${h}/`));
}

/**
 * The one item of the main navigation to mark current: of those `isCurrent` for the path, the most specific, so
 * Dead letters and not Alerts is current on /alerts/dead-letters.
 */
export function currentMainHref(pathname: string): string | undefined {
  const hrefs = [...mainNav.flatMap((item) => [item.href, ...(item.sub ?? []).map((s) => s.href)]), "/settings"];
  return hrefs.filter((h) => isCurrent(h, pathname)).sort((a, b) => b.length - a.length)[0];
}
