import { describe, expect, it } from "vitest";
import { ApiError, apiErrorFrom, messageOf, splitErrors } from "../../../web/src/lib/errors";

const envelope = (details: { path: string; message: string }[], message = "invalid") => ({
  error: { code: "validation_failed", message, details, request_id: "req_1" },
});

describe("dashboard API errors", () => {
  it("reads the error envelope into a typed error", () => {
    const error = apiErrorFrom(400, envelope([{ path: "email", message: "must be an e-mail address" }], "email: must be an e-mail address"));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: "validation_failed", requestId: "req_1", message: "email: must be an e-mail address" });
    expect(error.details).toEqual([{ path: "email", message: "must be an e-mail address" }]);
  });

  it("does not echo a body that is not the envelope", () => {
    const error = apiErrorFrom(502, "<html>Bad gateway</html>");
    expect(error.code).toBe("internal");
    expect(error.message).toBe("the server answered 502");
  });

  it("puts field errors beside their inputs and nothing in the banner when all are shown", () => {
    const error = apiErrorFrom(
      400,
      envelope([
        { path: "name", message: "required" },
        { path: "config.url", message: "must be an http(s) URL" },
      ]),
    );
    expect(splitErrors(error, ["name", "config.url"])).toEqual({ fields: { name: "required", "config.url": "must be an http(s) URL" }, general: null });
  });

  it("sends details for fields the form does not show to the banner, with their paths", () => {
    const error = apiErrorFrom(
      400,
      envelope([
        { path: "name", message: "required" },
        { path: "config.extra", message: "unknown field" },
      ]),
    );
    expect(splitErrors(error, ["name"])).toEqual({ fields: { name: "required" }, general: "config.extra: unknown field" });
  });

  it("shows the message of errors without details, and of non-API failures", () => {
    const forbidden = apiErrorFrom(403, { error: { code: "forbidden", message: "only tenant owners and admins can do this", details: [], request_id: "r" } });
    expect(splitErrors(forbidden, ["name"])).toEqual({ fields: {}, general: "only tenant owners and admins can do this" });
    expect(splitErrors(new TypeError("Failed to fetch"), [])).toEqual({ fields: {}, general: messageOf(new TypeError("x")) });
    expect(splitErrors(null, ["name"])).toEqual({ fields: {}, general: null });
  });
});
