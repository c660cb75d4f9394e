import { z } from "@hono/zod-openapi";
import { ApiError } from "./errors";

/** Opaque cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(value: Record<string, string | number>): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor<T extends z.ZodType>(cursor: string | undefined, schema: T): z.infer<T> | undefined {
  if (!cursor) return undefined;
  try {
    const padded = cursor.replaceAll("-", "+").replaceAll("_", "/");
    return schema.parse(JSON.parse(atob(padded)));
  } catch {
    throw new ApiError("validation_failed", "cursor: not a cursor returned by this endpoint", [
      { path: "cursor", message: "not a cursor returned by this endpoint" },
    ]);
  }
}

/** Query parameters shared by every list endpoint. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: "Page size (1–200)" }),
  cursor: z.string().max(500).optional().openapi({ description: "`next_cursor` from the previous page" }),
};

/** Splits the `limit + 1` rows a repo returned into a page and the cursor for the next one. */
export function page<T>(rows: T[], limit: number, cursorOf: (row: T) => Record<string, string | number>) {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  return { items, next_cursor: hasMore ? encodeCursor(cursorOf(items[items.length - 1])) : null };
}
