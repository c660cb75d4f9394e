import { cookieOf, signupVerified } from "../../test/e2e/helpers/mailbox";

/** A signed-in session against a running Tutti, for seeding demo data through the public API only. */
export class DemoClient {
  static readonly email = "demo@tutti.dev";
  static readonly password = "tutti demo password";
  static readonly tenantName = "Demo (sample data)";

  private constructor(
    readonly baseUrl: string,
    private readonly cookie: string,
    private readonly csrf: string,
  ) {}

  /** A client over an existing session (the browser tests sign up in the browser and seed through this). */
  static fromSession(baseUrl: string, cookie: string, csrf: string): DemoClient {
    return new DemoClient(baseUrl, cookie, csrf);
  }

  static async signInOrSignUp(baseUrl: string): Promise<DemoClient> {
    const post = (path: string, body: unknown) =>
      fetch(`${baseUrl}/api/v1${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    let res = await post("/auth/login", { email: DemoClient.email, password: DemoClient.password });
    if (res.status === 401) {
      // A local Tutti captures the verification mail; its link creates the workspace (test/e2e/helpers/mailbox.ts).
      res = await signupVerified(baseUrl, {
        email: DemoClient.email,
        password: DemoClient.password,
        name: "Demo User",
        tenant_name: DemoClient.tenantName,
        tenant_slug: "demo",
        team_name: "Analytics",
      });
    }
    const body = (await res.json()) as { csrf_token?: string; error?: { message: string } };
    if (!res.ok || !body.csrf_token) throw new Error(`cannot sign in to the demo tenant: ${res.status} ${body.error?.message ?? ""}`);
    return new DemoClient(baseUrl, cookieOf(res), body.csrf_token);
  }

  async request<T>(method: string, path: string, body?: unknown, allow: number[] = []): Promise<{ status: number; data: T }> {
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: { cookie: this.cookie, "x-csrf-token": this.csrf, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const data = (text ? JSON.parse(text) : null) as T;
    if (!res.ok && !allow.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return { status: res.status, data };
  }

  get<T>(path: string) {
    return this.request<T>("GET", path).then((r) => r.data);
  }

  post<T>(path: string, body: unknown, allow: number[] = []) {
    return this.request<T>("POST", path, body, allow);
  }

  /**
   * Creates a connection unless the team already has one by that name; an existing one gets this config (the fakes'
   * ports may have changed) with its secrets sent again, which a move to another origin requires.
   */
  async ensureConnection(teamId: string, name: string, kind: string, config: Record<string, unknown>, secrets: Record<string, string>) {
    const existing = await this.get<{ items: Array<{ id: string; name: string }> }>(`/connections?team_id=${teamId}&limit=100`);
    const found = existing.items.find((c) => c.name === name);
    if (found)
      return (
        await this.request<{ id: string; name: string }>("PATCH", `/connections/${found.id}`, { config, ...(Object.keys(secrets).length ? { secrets } : {}) })
      ).data;
    return (await this.post<{ id: string; name: string }>("/connections", { team_id: teamId, name, kind, config, secrets })).data;
  }

  async push(spec: Record<string, unknown>) {
    return (await this.post<{ status: string }>("/pipelines", { spec_text: JSON.stringify(spec, null, 2), format: "json" })).data;
  }
}
