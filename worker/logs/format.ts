/**
 * How a fetched tool log reads in Tutti: the tool's text as it wrote it, one section per part (a dbt Cloud step, a
 * GitHub job, a Databricks task), each under a header line naming it.
 */
export interface LogSection {
  title: string;
  text: string | null | undefined;
}

export function sectionedLog(sections: LogSection[]): string {
  return sections.map((s) => `===== ${s.title} =====\n${(s.text ?? "").replace(/\s+$/, "")}\n`).join("\n");
}
