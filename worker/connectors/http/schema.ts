import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";
import { isValidPath } from "../json-path";
import { sensorTimingFields } from "../sensor";

const JsonPath = z.string().refine(isValidPath, 'a path like "$.status" or "$.items[0].state"');
const Methods = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** A condition on a JSON response: the value at `path` equals one of `in` (or `equals`). */
const Condition = z
  .strictObject({
    path: JsonPath,
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    in: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .refine((c) => c.equals !== undefined || c.in !== undefined, "needs `equals` or `in`");

const Completion = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("response") }).meta({ description: "Done when the request answers with an accepted status" }),
  z
    .strictObject({
      mode: z.literal("poll"),
      status_url: z.string().min(1).meta({ description: "Polled with GET; may use {{external_id}} and {{response.<path>}} from the trigger response" }),
      success: Condition,
      failure: Condition.optional(),
      message_path: JsonPath.optional().meta({ description: "Where the failure message is in the status response" }),
    })
    .meta({ description: "Done when polling the status URL meets `success` (or `failure`)" }),
  z
    .strictObject({ mode: z.literal("callback") })
    .meta({ description: "Done when the tool POSTs {status: succeeded|failed, message?, no_new_data?} to {{callback_url}}" }),
]);

const Sensor = z.strictObject({ ...sensorTimingFields, success: Condition }).meta({
  description:
    "Makes the task a sensor: the request is sent every `interval` until its JSON answer meets `success` (an answer that does not is 'not yet', not a failure), or fails the task after `timeout`",
});

export const HttpWith = z
  .strictObject({
    url: z.string().min(1).meta({
      description:
        "Absolute URL, or a path joined to the connection's base_url. Templates: {{run_id}}, {{task_id}}, {{attempt}}, {{params.<name>}}, {{callback_url}}",
    }),
    method: Methods.default("POST"),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional().meta({ description: "JSON body (templates rendered inside strings)" }),
    accept_status: z.array(z.number().int().min(100).max(599)).optional().meta({ description: "Statuses meaning accepted; default any 2xx" }),
    completion: Completion.default({ mode: "response" }),
    external_id_path: JsonPath.optional().meta({ description: "Where the tool's own run id is in the trigger response" }),
    external_url_path: JsonPath.optional().meta({ description: "Where a link to the tool's run page is in the response" }),
    no_new_data: Condition.optional().meta({ description: "When this holds on the final response, the task reports no new data" }),
    cancel: z
      .strictObject({ url: z.string().min(1), method: Methods.default("POST") })
      .optional()
      .meta({ description: "Request that cancels the work; {{external_id}} available" }),
    sensor: Sensor.optional(),
    outputs: z
      .record(z.string().regex(/^[a-z_][a-z0-9_]{0,63}$/, "an output name: lowercase letters, digits and _, starting with a letter or _"), JsonPath)
      .refine((o) => Object.keys(o).length <= 20, "at most 20 outputs")
      .optional()
      .meta({
        description:
          "Outputs read from the final JSON response (the trigger's answer, or the status answer that met `success`): name → path, e.g. { rows: $.stats.rows }",
      }),
  })
  .superRefine((w, ctx) => {
    if (w.sensor && w.completion.mode !== "response")
      ctx.addIssue({ code: "custom", path: ["completion"], message: "a sensor completes when its own answer meets sensor.success: leave completion out" });
    if (w.sensor && w.cancel) ctx.addIssue({ code: "custom", path: ["cancel"], message: "a sensor starts no work at the tool, so there is nothing to cancel" });
    if (w.outputs && w.completion.mode === "callback")
      ctx.addIssue({ code: "custom", path: ["outputs"], message: "outputs are read from a response; with completion: callback there is none" });
  });
export type HttpWith = z.output<typeof HttpWith>;

export const HttpConfig = z.strictObject({
  base_url: HttpUrl.optional(),
  headers: z.record(z.string(), z.string()).default({}).meta({ description: "Non-secret headers sent on every request" }),
});
export type HttpConfig = z.output<typeof HttpConfig>;

export type HttpCondition = z.output<typeof Condition>;
