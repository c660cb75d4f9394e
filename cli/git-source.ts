/** Where the pushed specs come from, read from the CI environment (GitHub Actions today). */
export interface GitSource {
  git_repo?: string;
  git_sha?: string;
  git_branch?: string;
  git_author?: string;
}

export function gitSourceFromEnv(env: Record<string, string | undefined>): GitSource | undefined {
  if (env.GITHUB_ACTIONS !== "true") return undefined;
  const source: GitSource = {
    git_repo: env.GITHUB_REPOSITORY || undefined,
    git_sha: env.GITHUB_SHA || undefined,
    // On pull requests GITHUB_REF_NAME is "<n>/merge"; the head branch is what people recognise.
    git_branch: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || undefined,
    git_author: env.GITHUB_ACTOR || undefined,
  };
  return Object.values(source).some(Boolean) ? source : undefined;
}
