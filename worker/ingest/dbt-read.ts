import { ManifestReader, manifestNodeSections, type ManifestNodeSection } from "../lineage/dbt-manifest";
import { RunResultsReader } from "../lineage/dbt-run-results";
import { readArtifact, type ArtifactBody } from "./artifact";

/** The streaming readers for dbt's two artifacts: only the sections lineage needs are materialised, one entry at a time. */

const manifestPaths = ["$.metadata", ...manifestNodeSections.map((s) => `$.${s}.*`), "$.parent_map"];
const sections = new Set<string>(manifestNodeSections);

export async function readManifest(body: ArtifactBody, label = "manifest") {
  const reader = new ManifestReader(label);
  const stored = await readArtifact(
    body,
    label,
    manifestPaths,
    ({ path, value }) => {
      const [top, entry] = path;
      if (path.length === 1 && top === "metadata") reader.onMetadata(value);
      else if (path.length === 1 && top === "parent_map") reader.onParentMap(value);
      else if (path.length === 2 && sections.has(String(top))) reader.onEntry(top as ManifestNodeSection, String(entry), value);
    },
    (key) => reader.topKey(key),
  );
  return { stored, parsed: reader.finish() };
}

export async function readRunResults(body: ArtifactBody, label = "run_results") {
  const reader = new RunResultsReader(label);
  const stored = await readArtifact(
    body,
    label,
    ["$.metadata", "$.results.*", "$.elapsed_time", "$.args"],
    ({ path, value }) => {
      const [top, index] = path;
      if (path.length === 1 && top === "metadata") reader.onMetadata(value);
      else if (path.length === 2 && top === "results") reader.onResult(Number(index), value);
      else if (path.length === 1 && top === "elapsed_time") reader.onElapsed(value);
      else if (path.length === 1 && top === "args") reader.onArgs(value);
    },
    (key) => {
      if (key === "results") reader.startResults();
    },
  );
  return { stored, parsed: reader.finish() };
}
