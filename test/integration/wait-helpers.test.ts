import { describe, expect, it } from "vitest";
import { signup } from "../helpers/api";
import { budgetSignal, listAlerts, sendNotify } from "../helpers/alerting";
import { firstTeamId } from "../helpers/fixtures";
import { queueActivity } from "../helpers/queue-tracking";
import { drain } from "../helpers/wait";

describe("drain", () => {
  it("counts a sent message as outstanding until its delivery is handled, and returns only after that", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    await sendNotify(budgetSignal(s.tenant.id, teamId, 80, "2026-11", 812.5));
    expect(queueActivity().outstanding.get(s.tenant.id)).toBe(1);
    await drain();
    expect(queueActivity().outstanding.has(s.tenant.id)).toBe(false);
    // No polling after drain(): what the message caused is already there.
    expect((await listAlerts(s, "kind=budget_threshold")).map((a) => a.dedupe_key)).toEqual([expect.stringContaining("2026-11:80")]);
  });
});
