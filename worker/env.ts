/**
 * The Worker's environment is `Cloudflare.Env`: the bindings and vars of wrangler.toml and the secret names of
 * .dev.vars.example, generated into worker-configuration.d.ts by `npm run types:env` (`npm test` fails when that
 * file is stale). What neither file can declare is added here, each with why.
 */
declare global {
  namespace Cloudflare {
    interface Env {
      // Optional settings, unset unless a deployment sets them: wrangler.toml's [vars] would give each a value
      // (and the generator a required `string`), while the code's defaults apply only when they are absent.
      /**
       * Who calls the connectors (worker/durable/runs/inline-dispatch.ts): `hybrid` (default) the tenant's Durable
       * Object, with the dispatch queue for what would hold it up; `queue` always the queue; `inline` always the object.
       */
      DISPATCH_MODE?: "hybrid" | "queue" | "inline";
      /**
       * Seconds a claimed tool call may take before its dispatch is sent again (default 120): a queue message, or the
       * process calling the tool, can vanish (crash, deploy). Keep it above the connectors' 30 s call timeout.
       */
      DISPATCH_LEASE_SECONDS?: string;
      /**
       * Seconds a Durable Object's timer or unsettled dispatch may be overdue before the object (on start, or when the
       * engine watchdog visits) concludes its alarm was lost and sets it again (default 60).
       */
      ENGINE_OVERDUE_GRACE_SECONDS?: string;
      /** Public URL of the dashboard, used in links sent outside (invitations, alerts). */
      APP_URL?: string;
      /** PBKDF2 iterations of new password hashes, honoured only where TUTTI_ENV is `test` or `e2e` (lib/password.ts). */
      TEST_PASSWORD_HASH_ITERATIONS?: string;
      /**
       * `send` to send account mail through the EMAIL binding where TUTTI_ENV is a local one (there it is captured
       * for the dev mailbox by default); ignored elsewhere, where mail is always sent (worker/mail/send.ts).
       */
      MAIL_MODE?: "capture" | "send";
      /** Sender of account mail (verification, password reset, invitations), e.g. `Tutti <no-reply@example.com>`. */
      MAIL_FROM?: string;
      /** Public status-page requests per client address per minute (default 120). */
      RATE_LIMIT_STATUS_PER_MIN?: string;
      /** Verification and password-reset mails per address per hour (default 5). */
      MAIL_PER_ADDRESS_PER_HOUR?: string;
      /** Sender address of alert e-mails; its domain must be onboarded to Cloudflare e-mail sending. */
      ALERT_EMAIL_FROM?: string;
      /** First retry delay of an alert delivery in seconds (default 30), doubling per attempt. */
      ALERT_RETRY_BASE_SECONDS?: string;
      /** Attempts before an alert delivery is dead-lettered (default 6, at most 8). */
      ALERT_DELIVERY_MAX_ATTEMPTS?: string;
      /**
       * Cloudflare's send_email binding: account mail (worker/mail/send.ts, docs/deployment.md#e-mail) and e-mail alert
       * channels (docs/alerting.md) send through it. Not in wrangler.toml because it needs a domain onboarded to
       * e-mail sending; a deployment that has one adds it.
       */
      EMAIL?: SendEmail;
    }
  }
}

export type Env = Cloudflare.Env;
