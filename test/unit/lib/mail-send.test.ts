import { describe, expect, it } from "vitest";
import type { Db } from "../../../worker/db/client";
import type { Env } from "../../../worker/env";
import { logger } from "../../../worker/lib/log";
import { mailMode, sendMail, type MailMessage } from "../../../worker/mail/send";

const message: MailMessage = {
  kind: "password.reset",
  to: "ada@example.com",
  subject: "Reset",
  text: "link https://x/reset-password/abc",
  html: "<p>link</p>",
};
/** Send mode never touches the database; a capture attempt would throw on this. */
const noDb = new Proxy(
  {},
  {
    get: () => {
      throw new Error("the database was used");
    },
  },
) as Db;
const quiet = logger();

function binding() {
  const sent: unknown[] = [];
  return { sent, EMAIL: { send: async (m: unknown) => void sent.push(m) } as unknown as SendEmail };
}

describe("mail mode", () => {
  it("captures only where TUTTI_ENV is a local one, and there by default", () => {
    for (const TUTTI_ENV of ["dev", "development", "test", "e2e"]) expect(mailMode({ TUTTI_ENV })).toBe("capture");
    expect(mailMode({ TUTTI_ENV: "dev", MAIL_MODE: "send" })).toBe("send");
    // A copied MAIL_MODE=capture never captures (and never opens the dev mailbox) on a deployment.
    for (const TUTTI_ENV of ["prod", "staging", "", undefined]) expect(mailMode({ TUTTI_ENV: TUTTI_ENV as string, MAIL_MODE: "capture" })).toBe("send");
  });
});

describe("sending through the binding", () => {
  it("sends from MAIL_FROM to the one recipient with the text and HTML parts", async () => {
    const b = binding();
    const env = { TUTTI_ENV: "prod", EMAIL: b.EMAIL, MAIL_FROM: "Tutti <no-reply@example.com>" } as Env;
    expect(await sendMail(env, noDb, message, 0, quiet)).toBe("sent");
    expect(b.sent).toEqual([{ from: "Tutti <no-reply@example.com>", to: "ada@example.com", subject: "Reset", text: message.text, html: message.html }]);
  });

  it("without the binding or a sender it sends nothing and says so, without throwing", async () => {
    const b = binding();
    expect(await sendMail({ TUTTI_ENV: "prod", MAIL_FROM: "no-reply@example.com" } as Env, noDb, message, 0, quiet)).toBe("not_configured");
    expect(await sendMail({ TUTTI_ENV: "prod", EMAIL: b.EMAIL } as Env, noDb, message, 0, quiet)).toBe("not_configured");
    expect(b.sent).toEqual([]);
  });

  it("a refusal by the binding is reported, not thrown", async () => {
    const EMAIL = {
      send: async () => {
        throw new Error("sender not verified");
      },
    } as unknown as SendEmail;
    expect(await sendMail({ TUTTI_ENV: "prod", EMAIL, MAIL_FROM: "no-reply@example.com" } as Env, noDb, message, 0, quiet)).toBe("failed");
  });
});
