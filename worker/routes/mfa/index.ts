import { createRouter } from "../../context";
import * as get from "./get";
import * as passkeyAdd from "./passkey-add";
import * as passkeyOptions from "./passkey-options";
import * as passkeyRemove from "./passkey-remove";
import * as reauthPasskeyOptions from "./reauth-passkey-options";
import * as recoveryCodes from "./recovery-codes";
import * as totpConfirm from "./totp-confirm";
import * as totpRemove from "./totp-remove";
import * as totpStart from "./totp-start";

/** The signed-in person's second factors (/me/mfa…): theirs alone, never reachable with an API token. */
export const mfaRoutes = createRouter();
for (const op of [get, totpStart, totpConfirm, totpRemove, recoveryCodes, passkeyOptions, passkeyAdd, passkeyRemove, reauthPasskeyOptions])
  op.register(mfaRoutes);
