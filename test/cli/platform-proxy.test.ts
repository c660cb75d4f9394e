import assert from "node:assert";
import { describe, expect, it } from "vitest";
import { isLostProxyReply, parseCommandLine, retryOnLostProxyReply, UsageError } from "../../scripts/lib/platform-proxy";

// The failure as miniflare raises it: its own assertion inside SynchronousFetcher.fetch when no reply is on the port.
class SynchronousFetcher {
  fetch(id: number) {
    const message = undefined as { id: number } | undefined;
    assert(message?.id === id);
  }
}
const lostReply = () => {
  try {
    new SynchronousFetcher().fetch(0);
  } catch (err) {
    return err;
  }
  throw new Error("the assertion did not fail");
};

describe("the operator commands' platform proxy", () => {
  it("recognises miniflare's lost synchronous reply and nothing else", () => {
    expect(isLostProxyReply(lostReply())).toBe(true);
    expect(isLostProxyReply(new Error("no such table: connections"))).toBe(false);
    const other = (() => {
      try {
        assert.equal(1, 2);
      } catch (err) {
        return err;
      }
    })();
    expect(isLostProxyReply(other)).toBe(false);
  });

  it("runs the work again on a lost reply, and only then", async () => {
    const warnings: string[] = [];
    let calls = 0;
    const value = await retryOnLostProxyReply(
      async () => {
        calls++;
        if (calls === 1) throw lostReply();
        return "done";
      },
      (m) => warnings.push(m),
    );
    expect(value).toBe("done");
    expect(calls).toBe(2);
    expect(warnings).toEqual([expect.stringContaining("attempt 1 of 3")]);

    calls = 0;
    await expect(
      retryOnLostProxyReply(async () => {
        calls++;
        throw new Error("no such table: connections");
      }),
    ).rejects.toThrow("no such table");
    expect(calls).toBe(1);
  });

  it("gives up after three lost replies in a row", async () => {
    let calls = 0;
    const failing = retryOnLostProxyReply(
      async () => {
        calls++;
        throw lostReply();
      },
      () => {},
    );
    await expect(failing).rejects.toBeInstanceOf(assert.AssertionError);
    expect(calls).toBe(3);
  });
});

describe("the operator commands' command line", () => {
  const usage = "usage: npm run x -- --local [--persist-to DIR] | --remote  --archive FILE";
  const parse = (args: string[]) => parseCommandLine(args, usage, { archive: { type: "string" }, "dry-run": { type: "boolean" } }, ["archive"]);

  it("takes exactly one of --local [--persist-to DIR] and --remote, with the command's own options", () => {
    expect(parse(["--local", "--archive", "a.tar"])).toEqual({ target: { remote: false, persistTo: undefined }, values: { local: true, archive: "a.tar" } });
    expect(parse(["--local", "--persist-to", "/tmp/s", "--archive", "a.tar", "--dry-run"]).target).toEqual({ remote: false, persistTo: "/tmp/s" });
    expect(parse(["--remote", "--archive", "a.tar"]).target).toEqual({ remote: true, persistTo: undefined });
  });

  it("refuses a line without a target, with both, with local state for a remote database, or without a required option", () => {
    for (const args of [
      ["--archive", "a.tar"],
      ["--local", "--remote", "--archive", "a.tar"],
      ["--remote", "--persist-to", "/tmp/s", "--archive", "a.tar"],
      ["--local"],
    ]) {
      expect(() => parse(args), args.join(" ")).toThrow(new UsageError(usage));
    }
  });

  it("names an option it does not know, then gives the usage", () => {
    expect(() => parse(["--local", "--archive", "a.tar", "--tenat", "x"])).toThrow(/Unknown option '--tenat'[\s\S]*usage: npm run x/);
  });
});
