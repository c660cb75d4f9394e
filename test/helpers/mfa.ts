import { api, cookieFrom, type Session } from "./api";
import { fromBase32, hotp, totpStep } from "../../worker/lib/totp";
import { SoftAuthenticator } from "./soft-authenticator";
import { BASE } from "./api";

let address = 0;
/** Each sign-in from its own client address, so address throttles of other tests never interfere. */
export const newAddress = () => `10.91.${Math.floor(address / 250) % 250}.${(address++ % 250) + 1}`;

/** The authenticator-app code of `secret` (base32) for the step `offset` steps from now. */
export const codeFor = (secret: string, offset = 0) => hotp(fromBase32(secret), totpStep(Date.now()) + offset);

/** Sets up an authenticator app for the session's person; returns its secret and the first recovery codes. */
export async function enrolTotp(s: Session) {
  const started = await api("/me/mfa/totp", { as: s, method: "POST" });
  if (started.status !== 201) throw new Error(`start TOTP: ${started.status} ${started.text}`);
  const secret: string = started.json.secret;
  // The confirming code uses the previous step, so later tests' codes (this step and the next) are fresh.
  const confirmed = await api("/me/mfa/totp/confirm", { as: s, body: { code: await codeFor(secret, -1) } });
  if (confirmed.status !== 200) throw new Error(`confirm TOTP: ${confirmed.status} ${confirmed.text}`);
  return { secret, recoveryCodes: confirmed.json.recovery_codes as string[] };
}

/** Registers a software passkey for the session's person. */
export async function addPasskey(s: Session, name = "Laptop") {
  const authenticator = await SoftAuthenticator.create(BASE);
  const options = await api("/me/mfa/passkeys/options", { as: s, method: "POST" });
  if (options.status !== 200) throw new Error(`passkey options: ${options.status} ${options.text}`);
  const response = await authenticator.register(options.json);
  const added = await api("/me/mfa/passkeys", { as: s, body: { name, response } });
  if (added.status !== 201) throw new Error(`add passkey: ${added.status} ${added.text}`);
  return { authenticator, response, recoveryCodes: added.json.recovery_codes as string[] | null };
}

/** The first step of a password sign-in. */
export const login = (email: string, ip = newAddress(), password = "correct horse battery", tenant?: string) =>
  api("/auth/login", { body: { email, password, ...(tenant ? { tenant } : {}) }, headers: { "cf-connecting-ip": ip } });

/** The second step; returns the response and, when signed in, the session. */
export async function secondStep(body: Record<string, unknown>, ip = newAddress()) {
  const res = await api("/auth/mfa", { body, headers: { "cf-connecting-ip": ip } });
  const session: Session | null =
    res.status === 200 ? { cookie: cookieFrom(res.headers), csrf: res.json.csrf_token, user: res.json.user, tenant: res.json.tenant } : null;
  return { ...res, session };
}
