/** Local development only: the mails Tutti captured instead of sending (GET /dev/mail answers 404 anywhere else). */
import { ApiError } from "../errors";
import { client, data } from "./client";

export const devApi = {
  mail: (to?: string) => data(client.GET("/dev/mail", { params: { query: to ? { to } : {} } }), { redirectOn401: false }),
  /** Whether this Tutti captures mail, so pages can point to the dev mailbox. */
  capturesMail: () =>
    devApi.mail("nobody@localhost").then(
      () => true,
      (error) => {
        if (error instanceof ApiError && error.status === 404) return false;
        throw error;
      },
    ),
};
