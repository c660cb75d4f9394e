import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

// Passkeys rest on @simplewebauthn/server verifying inside workerd (WebCrypto, CBOR, ASN.1): this proves it does.
describe("@simplewebauthn/server inside workerd", () => {
  it("verifies a registration and an authentication signed by a real ES256 key, and refuses a wrong challenge", async () => {
    const origin = "https://tutti.test";
    const authenticator = await SoftAuthenticator.create(origin);
    const regOptions = await generateRegistrationOptions({ rpName: "Tutti", rpID: "tutti.test", userName: "ada@example.com" });
    const reg = await verifyRegistrationResponse({
      response: await authenticator.register(regOptions),
      expectedChallenge: regOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: "tutti.test",
    });
    expect(reg.verified).toBe(true);
    const credential = reg.registrationInfo!.credential;
    expect(credential.id).toBe(authenticator.id);

    const authOptions = await generateAuthenticationOptions({ rpID: "tutti.test", allowCredentials: [{ id: credential.id }] });
    const auth = await verifyAuthenticationResponse({
      response: await authenticator.authenticate(authOptions),
      expectedChallenge: authOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: "tutti.test",
      credential,
    });
    expect(auth.verified).toBe(true);
    expect(auth.authenticationInfo.newCounter).toBe(2);

    await expect(
      verifyAuthenticationResponse({
        response: await authenticator.authenticate(authOptions),
        expectedChallenge: "c29tZXRoaW5nIGVsc2U",
        expectedOrigin: origin,
        expectedRPID: "tutti.test",
        credential,
      }),
    ).rejects.toThrow(/challenge/i);
  });
});
