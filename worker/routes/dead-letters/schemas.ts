import { z } from "@hono/zod-openapi";
import { timestamp } from "../shared";

export const DeadLetterOut = z
  .object({
    id: z.string(),
    queue: z.string().openapi({ example: "notify", description: "dispatch or notify" }),
    message_type: z.string().openapi({ example: "alert.deliver", description: "alert.deliver, an engine signal, or dispatch (a task operation)" }),
    attempts: z.number().int(),
    at: timestamp,
    redelivered_at: timestamp.nullable(),
    team_id: z.string().nullable(),
    description: z.string().openapi({ description: "What failed, in words" }),
    last_error: z.string().nullable(),
    alert: z.object({ id: z.string(), title: z.string() }).nullable(),
    channel: z.object({ id: z.string(), name: z.string(), kind: z.string() }).nullable(),
    run: z.object({ id: z.string(), task: z.string() }).nullable(),
    redeliverable: z.boolean().openapi({ description: "Whether POST …/redeliver can send it again" }),
  })
  .openapi("DeadLetter");

export const DeadLetterList = z.object({ items: z.array(DeadLetterOut), next_cursor: z.string().nullable() }).openapi("DeadLetterList");
