/** Your second factors (authenticator app, passkeys, recovery codes), the sign-in's second step, and the workspace's MFA policy. */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/browser";
import { client, data } from "./client";
import type { components } from "./types";

type SecondFactor = { code: string } | { recovery_code: string } | { passkey: AuthenticationResponseJSON };
/** What confirms a change to one's factors: the password, or one of the factors (exactly one). */
export type ReauthProof = { password: string } | SecondFactor;
const reauthBody = (proof: ReauthProof) => proof as components["schemas"]["MfaReauthRequest"];

// The second step answers 401 for a wrong code: the form says so instead of redirecting to the sign-in page.
const noRedirect = { redirectOn401: false };

export const mfaApi = {
  status: () => data(client.GET("/me/mfa")),
  startTotp: () => data(client.POST("/me/mfa/totp")),
  confirmTotp: (code: string) => data(client.POST("/me/mfa/totp/confirm", { body: { code } })),
  removeTotp: (proof: ReauthProof) => data(client.DELETE("/me/mfa/totp", { body: reauthBody(proof) })),
  regenerateRecoveryCodes: (proof: ReauthProof) => data(client.POST("/me/mfa/recovery-codes", { body: reauthBody(proof) })),
  /** Options for confirming a change with a passkey (navigator.credentials.get); the challenge works once. */
  reauthPasskeyOptions: async () => (await data(client.POST("/me/mfa/reauth/passkey-options"))) as unknown as PublicKeyCredentialRequestOptionsJSON,
  passkeyOptions: async () => (await data(client.POST("/me/mfa/passkeys/options"))) as unknown as PublicKeyCredentialCreationOptionsJSON,
  addPasskey: (name: string, response: RegistrationResponseJSON) =>
    data(client.POST("/me/mfa/passkeys", { body: { name, response: response as unknown as components["schemas"]["PasskeyAttestation"] } })),
  removePasskey: (id: string, proof: ReauthProof) => data(client.DELETE("/me/mfa/passkeys/{id}", { params: { path: { id } }, body: reauthBody(proof) })),
  policy: () => data(client.GET("/workspace/mfa")),
  setPolicy: (required: boolean) => data(client.PUT("/workspace/mfa", { body: { required } })),
  /** The second step of a password sign-in. */
  signIn: (mfaToken: string, factor: SecondFactor) =>
    data(client.POST("/auth/mfa", { body: { mfa_token: mfaToken, ...factor } as components["schemas"]["MfaSignInRequest"] }), noRedirect),
  signInPasskeyOptions: async (mfaToken: string) =>
    (await data(client.POST("/auth/mfa/passkey-options", { body: { mfa_token: mfaToken } }), noRedirect)) as unknown as PublicKeyCredentialRequestOptionsJSON,
};
