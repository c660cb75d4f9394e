import { parse } from "yaml";
import type { SpecTask } from "$lib/api/types";

/** What the task graph needs of a task. */
export type GraphTask = Pick<SpecTask, "id" | "connector" | "connection" | "depends_on">;

/**
 * The tasks as the text writes them, for the editor's graph while the API still reports problems (a connection that
 * does not exist yet should not hide the graph). Tolerant: whatever is not a task with a string id is left out, and
 * a repeated id is drawn once. Null when the text is not YAML at all.
 */
export function draftTasks(text: string): GraphTask[] | null {
  let doc: unknown;
  try {
    doc = parse(text, { version: "1.2", uniqueKeys: false, maxAliasCount: 100 });
  } catch {
    return null;
  }
  const tasks = (doc as { tasks?: unknown } | null)?.tasks;
  if (!Array.isArray(tasks)) return [];
  const seen = new Set<string>();
  return tasks.flatMap((t) => {
    if (typeof t !== "object" || t === null || typeof t.id !== "string" || seen.has(t.id)) return [];
    seen.add(t.id);
    const deps = Array.isArray(t.depends_on) ? t.depends_on.filter((d: unknown): d is string => typeof d === "string") : [];
    return [
      {
        id: t.id,
        connector: typeof t.connector === "string" ? t.connector : "?",
        connection: typeof t.connection === "string" ? t.connection : null,
        depends_on: deps,
      },
    ];
  });
}
