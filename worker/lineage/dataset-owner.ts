/**
 * Who owns a dataset: the one definition every route that names a dataset's owner uses (dataset page, catalog
 * search, Owners, lineage graph, alert routing). A team set on the dataset itself wins; without one, the dataset
 * belongs to the team of the Tutti pipeline whose task last wrote it (ownership defaults to the producer's team).
 */

export const datasetOwnerSources = ["declared", "writer"] as const;
export type DatasetOwnerSource = (typeof datasetOwnerSources)[number];

export interface DatasetOwner {
  teamId: string | null;
  /** declared: set on the dataset; writer: inherited from the writing pipeline's team; null: nobody owns it. */
  source: DatasetOwnerSource | null;
}

/** The effective owner from the declared team and the writing pipeline's team (either may be missing). */
export function effectiveDatasetOwner(declaredTeamId: string | null | undefined, writerTeamId: string | null | undefined): DatasetOwner {
  if (declaredTeamId) return { teamId: declaredTeamId, source: "declared" };
  if (writerTeamId) return { teamId: writerTeamId, source: "writer" };
  return { teamId: null, source: null };
}
