import { describe, expect, it } from "vitest";
import { invitationStatus } from "../../worker/db/repo/accounts/invitations";

describe("invitation status", () => {
  const now = 1_000_000;
  const base = { acceptedAt: null, revokedAt: null, expiresAt: now + 1 };

  it("is pending until it expires", () => {
    expect(invitationStatus(base, now)).toBe("pending");
    expect(invitationStatus({ ...base, expiresAt: now }, now)).toBe("expired");
  });

  it("acceptance wins over revocation and expiry, revocation over expiry", () => {
    expect(invitationStatus({ acceptedAt: now - 5, revokedAt: now - 1, expiresAt: now - 10 }, now)).toBe("accepted");
    expect(invitationStatus({ acceptedAt: null, revokedAt: now - 1, expiresAt: now - 10 }, now)).toBe("revoked");
  });
});
