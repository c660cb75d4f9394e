/**
 * How Snowflake counts the statements of a request (for MULTI_STATEMENT_COUNT): `;` outside string literals ('…' with
 * '' and backslash escapes), $$…$$ bodies, "quoted" identifiers and comments (--, //, /* *\/); pieces that are only
 * whitespace and comments do not count. Written independently of the connector's splitter on purpose, as one regex.
 */
const SQL_TOKEN = /'(?:[^'\\]|\\[\s\S]|'')*'?|"(?:[^"]|"")*"?|(?<![\w$])\$\$[\s\S]*?(?:\$\$|$)|--[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|;|\s+|[\s\S]/g;
export function countStatements(text: string): number {
  let count = 0;
  let code = false;
  for (const [token] of text.matchAll(SQL_TOKEN)) {
    if (token === ";") {
      if (code) count += 1;
      code = false;
    } else if (!/^(?:\s+|--|\/\/|\/\*)/.test(token)) code = true;
  }
  return code ? count + 1 : count;
}
