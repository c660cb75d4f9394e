/** Where to go after login: only same-site paths, so a crafted `?next=` cannot send a fresh session elsewhere. */
export function safeNextPath(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}
