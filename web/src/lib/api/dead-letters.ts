/** Queue messages that ran out of retries, and sending them again. */
import { client, data } from "./client";
import type { DeadLetterQueue } from "./types";

export const deadLettersApi = {
  list: (queue: DeadLetterQueue | undefined, cursor?: string) => data(client.GET("/dead-letters", { params: { query: { queue, cursor, limit: 50 } } })),
  redeliver: (deadLetterId: string) => data(client.POST("/dead-letters/{id}/redeliver", { params: { path: { id: deadLetterId } } })),
};
