import { describe, expect, it } from "vitest";
import { splitStatements, statementCount } from "../../../worker/connectors/snowflake/statements";
import { countStatements } from "../../fakes/snowflake/statement-count";

// Snowflake's lexical rules, from its docs: string constants https://docs.snowflake.com/en/sql-reference/data-types-text
// (single-quoted with '' and backslash escapes; $$ dollar-quoted), quoted identifiers
// https://docs.snowflake.com/en/sql-reference/identifiers-syntax ("" inside "…"), comments --, // and /* */.
describe("Snowflake statement splitting (MULTI_STATEMENT_COUNT)", () => {
  it("splits on semicolons between statements and ignores a trailing one and empty pieces", () => {
    expect(splitStatements("select 1")).toEqual(["select 1"]);
    expect(splitStatements("select 1; select 2;")).toEqual(["select 1", "select 2"]);
    expect(statementCount("select 1;;\n  ; select 2 ;  \n")).toBe(2);
    expect(statementCount("")).toBe(0);
    expect(statementCount(" ;\n; ")).toBe(0);
  });

  it("a semicolon inside a string literal does not split, with '' and backslash escapes", () => {
    expect(splitStatements("insert into t values ('a;b'); select 1")).toEqual(["insert into t values ('a;b')", "select 1"]);
    expect(statementCount("select 'it''s; fine'; select 2")).toBe(2);
    expect(statementCount("select 'it\\'s; fine'; select 2")).toBe(2);
    expect(statementCount("select 'ends with a backslash \\\\'; select 2")).toBe(2);
    expect(statementCount("select ''; select ''''")).toBe(2);
  });

  it('a semicolon inside a quoted identifier does not split, with "" escapes', () => {
    expect(statementCount('create table "a;b" (x int); select * from "a;b"')).toBe(2);
    expect(statementCount('select 1 as "say ""hi;""" ; select 2')).toBe(2);
  });

  it("a semicolon inside a dollar-quoted body does not split", () => {
    const proc = "create or replace procedure p() returns varchar language sql as $$ begin insert into t values (1); return 'done;'; end; $$; call p()";
    expect(splitStatements(proc)).toEqual([proc.slice(0, proc.indexOf("$$;") + 2), "call p()"]);
    expect(statementCount("execute immediate $$ select 1; select 2; $$")).toBe(1);
    // A quote inside $$…$$ is just text, and $$ inside a string is just text.
    expect(statementCount("select $$it's; here$$; select '$$;'; select 3")).toBe(3);
  });

  it("$ inside an unquoted identifier does not open a dollar-quoted string", () => {
    expect(statementCount("select col$$x from t; select 2")).toBe(2);
  });

  it("semicolons inside comments do not split, and a piece that is only comments is not a statement", () => {
    expect(statementCount("select 1; -- then; more\nselect 2")).toBe(2);
    expect(statementCount("select 1; // note; here\nselect 2")).toBe(2);
    expect(statementCount("select /* a; b */ 1; select 2")).toBe(2);
    expect(statementCount("select 1; /* closing remark; */")).toBe(1);
    expect(statementCount("select 1; -- trailing comment")).toBe(1);
    expect(statementCount("-- only ; a comment\n")).toBe(0);
    // Quotes inside comments are not strings.
    expect(statementCount("select 1; -- don't\nselect 2; /* it's */ select 3")).toBe(3);
    // A division and a minus are not comments.
    expect(statementCount("select 4/2; select 3-1")).toBe(2);
  });

  it("an unterminated literal or comment runs to the end instead of splitting", () => {
    expect(statementCount("select 'open; select 2")).toBe(1);
    expect(statementCount('select "open; select 2')).toBe(1);
    expect(statementCount("select $$open; select 2")).toBe(1);
    expect(statementCount("select 1 /* open; select 2")).toBe(1);
  });
});

describe("the splitter against the Snowflake fake's own counting", () => {
  it("agrees with an independent implementation on generated SQL full of quotes, comments and semicolons", () => {
    // A fixed-seed generator (mulberry32): the same 20 000 inputs on every run.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pieces = ["'", '"', "$$", "$", ";", "--", "//", "/*", "*/", "\n", " ", "a", "\\", "-", "/", "''", '""', "select 1"];
    const mismatches: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let sql = "";
      for (let j = Math.floor(random() * 14); j > 0; j--) sql += pieces[Math.floor(random() * pieces.length)];
      if (statementCount(sql) !== countStatements(sql)) mismatches.push(sql);
    }
    expect(mismatches).toEqual([]);
  });
});
