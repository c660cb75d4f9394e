/**
 * Splits Snowflake SQL text into its statements, the way the SQL API counts them for MULTI_STATEMENT_COUNT
 * (CONTRACTS §6: several `;`-separated statements need the parameter, and Snowflake rejects a count that does not
 * match). A `;` separates statements only outside of:
 *   - string literals '…', with '' and backslash escapes (\' \\): https://docs.snowflake.com/en/sql-reference/data-types-text#escape-sequences-in-single-quoted-string-constants
 *   - dollar-quoted strings $$…$$ (procedure and function bodies, anonymous blocks): https://docs.snowflake.com/en/sql-reference/data-types-text#dollar-quoted-string-constants
 *   - quoted identifiers "…", with "" escapes: https://docs.snowflake.com/en/sql-reference/identifiers-syntax#double-quoted-identifiers
 *   - comments: -- and // to the end of the line, /* … *\/ blocks
 * A piece holding nothing but whitespace and comments (a trailing `;`, a closing comment) is not a statement.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false;
  let i = 0;
  const n = sql.length;
  const flush = (end: number) => {
    if (hasCode) statements.push(sql.slice(start, end).trim());
    start = end + 1;
    hasCode = false;
  };
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "-" && next === "-") i = lineEnd(sql, i);
    else if (c === "/" && next === "/") i = lineEnd(sql, i);
    else if (c === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2);
      i = close === -1 ? n : close + 2;
    } else if (c === ";") {
      flush(i);
      i += 1;
    } else {
      hasCode ||= !/\s/.test(c);
      if (c === "'") i = singleQuotedEnd(sql, i);
      else if (c === '"') i = quotedIdentifierEnd(sql, i);
      // `$` is also an identifier character (a$$b is a name), so $$ opens a string only where a token starts.
      else if (c === "$" && next === "$" && !/[\w$]/.test(sql[i - 1] ?? "")) {
        const close = sql.indexOf("$$", i + 2);
        i = close === -1 ? n : close + 2;
      } else i += 1;
    }
  }
  flush(n);
  return statements;
}

/** How many statements the SQL text holds (what MULTI_STATEMENT_COUNT must say). */
export const statementCount = (sql: string) => splitStatements(sql).length;

/**
 * The statement's first keyword, lowercased, past leading whitespace, comments and opening parentheses
 * (`/* why *\/ (select …)` → `select`); null when there is none.
 */
export function firstKeyword(sql: string): string | null {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if ((c === "-" && next === "-") || (c === "/" && next === "/")) i = lineEnd(sql, i);
    else if (c === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (c === "(" || /\s/.test(c)) i += 1;
    else break;
  }
  return /^[A-Za-z_]+/.exec(sql.slice(i))?.[0].toLowerCase() ?? null;
}

function lineEnd(sql: string, from: number): number {
  const nl = sql.indexOf("\n", from);
  return nl === -1 ? sql.length : nl + 1;
}

/** Past the closing quote of '…': '' is an escaped quote, and a backslash escapes the character after it. */
function singleQuotedEnd(sql: string, open: number): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "\\") i += 2;
    else if (c === "'") {
      if (sql[i + 1] === "'") i += 2;
      else return i + 1;
    } else i += 1;
  }
  return sql.length;
}

/** Past the closing quote of "…", where "" is a quote inside the identifier. */
function quotedIdentifierEnd(sql: string, open: number): number {
  let i = open + 1;
  while (i < sql.length) {
    if (sql[i] === '"') {
      if (sql[i + 1] === '"') i += 2;
      else return i + 1;
    } else i += 1;
  }
  return sql.length;
}
