import { sha256Hex } from "../../lib/hash";
import { randomString } from "../../lib/ids";

/** Ten codes, each ten random base-36 characters (≈ 52 bits) shown as `xxxxx-xxxxx`. */
export const RECOVERY_CODE_COUNT = 10;

/** How a typed code is compared: case, dashes and spaces do not matter. */
const normalise = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, "");

export const hashRecoveryCode = (code: string) => sha256Hex(`recovery:${normalise(code)}`);

/** A new set: the codes to show once, and the hashes to store. */
export async function newRecoveryCodes() {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = randomString(10);
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
  return { codes, hashes: await Promise.all(codes.map(hashRecoveryCode)) };
}
