import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers";

/**
 * A software passkey for workerd tests: an ES256 key pair that answers WebAuthn creation and assertion options the way
 * a platform authenticator does (attestation "none", user present and verified), so the server's verification runs
 * on real signatures. Browser tests use Chromium's virtual authenticator instead.
 */
export class SoftAuthenticator {
  private signCount = 0;
  private constructor(
    private readonly keys: CryptoKeyPair,
    readonly credentialId: Uint8Array<ArrayBuffer>,
    private readonly origin: string,
  ) {}

  static async create(origin: string) {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    return new SoftAuthenticator(keys, crypto.getRandomValues(new Uint8Array(16)), origin);
  }

  get id() {
    return isoBase64URL.fromBuffer(this.credentialId);
  }

  /** The answer to `navigator.credentials.create` for these options (PublicKeyCredentialCreationOptionsJSON). */
  async register(options: { challenge: string; rp: { id?: string } }) {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const clientDataJSON: Uint8Array<ArrayBuffer> = this.clientData("webauthn.create", options.challenge);
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, isoBase64URL.toBuffer(jwk.x!)],
      [-3, isoBase64URL.toBuffer(jwk.y!)],
    ]);
    const publicKey = isoCBOR.encode(cose);
    const idLength = new Uint8Array([this.credentialId.length >> 8, this.credentialId.length & 0xff]);
    const authData = concat(await this.authHead(rpId, 0x45), new Uint8Array(16), idLength, this.credentialId, publicKey);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ["fmt", "none"],
        ["attStmt", new Map<string, string>()],
        ["authData", authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
        attestationObject: isoBase64URL.fromBuffer(attestationObject),
        transports: ["internal" as const],
      },
    };
  }

  /** The answer to `navigator.credentials.get` for these options (PublicKeyCredentialRequestOptionsJSON). */
  async authenticate(options: { challenge: string; rpId?: string }) {
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    const clientDataJSON: Uint8Array<ArrayBuffer> = this.clientData("webauthn.get", options.challenge);
    const authData = await this.authHead(rpId, 0x05);
    const signed = concat(authData, new Uint8Array(await crypto.subtle.digest("SHA-256", clientDataJSON)));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, signed));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
        authenticatorData: isoBase64URL.fromBuffer(authData),
        signature: isoBase64URL.fromBuffer(derSignature(raw)),
      },
    };
  }

  private clientData(type: string, challenge: string): Uint8Array<ArrayBuffer> {
    return concat(new TextEncoder().encode(JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false })));
  }

  /** rpIdHash ‖ flags ‖ signCount (incremented on every use, as authenticators with a counter do). */
  private async authHead(rpId: string, flags: number) {
    this.signCount++;
    const rpIdHash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(rpId)));
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, this.signCount);
    return concat(rpIdHash, new Uint8Array([flags]), count);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** WebCrypto signs ECDSA as r ‖ s; WebAuthn carries the ASN.1 DER sequence of the two integers. */
function derSignature(raw: Uint8Array) {
  const int = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let v = bytes.slice(i);
    if (v[0]! & 0x80) v = concat(new Uint8Array([0]), v);
    return concat(new Uint8Array([0x02, v.length]), v);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}
