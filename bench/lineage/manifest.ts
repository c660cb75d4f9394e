import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../test/e2e/helpers/processes";
import { rng } from "./graph";

/**
 * A dbt manifest of about `targetBytes`, shaped like a real one: the duckdb 1.8 fixture's model, seed and test
 * entries (every key dbt writes) repeated as a project of staging → intermediate → mart models, each reading 1–3
 * models of the layer before (or seeds), with five described columns, compiled SQL and a unique and a not_null test
 * on its key; `parent_map` and `depends_on` agree. Grown until the JSON text reaches the target. Deterministic.
 */
export function generateManifest(targetBytes = 10 * 1024 * 1024): { text: string; models: number; tests: number } {
  const fixture = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/dbt/duckdb-1.8/manifest.json"), "utf8"));
  const model = fixture.nodes["model.jaffle_shop.customers"];
  const seed = fixture.nodes["seed.jaffle_shop.raw_customers"];
  const test = fixture.nodes["test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1"];
  const random = rng(5);
  const nodes: Record<string, unknown> = {};
  const parentMap: Record<string, string[]> = {};
  const layers: string[][] = [[]];
  let size = JSON.stringify(fixture.metadata).length;
  let models = 0;
  let tests = 0;
  for (let s = 0; s < 50; s++) {
    const id = `seed.bench.raw_${s}`;
    nodes[id] = { ...seed, unique_id: id, name: `raw_${s}`, alias: `raw_${s}`, fqn: ["bench", `raw_${s}`], path: `raw_${s}.csv` };
    parentMap[id] = [];
    layers[0].push(id);
  }
  while (size < targetBytes) {
    const layer = Math.min(1 + Math.floor(models / 400), 12);
    layers[layer] ??= [];
    const name = `model_${layer}_${models}`;
    const id = `model.bench.${name}`;
    const pool = layers[layer - 1].length ? layers[layer - 1] : layers[0];
    const parents = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pool[Math.floor(random() * pool.length)]))];
    const columns = Object.fromEntries(
      Array.from({ length: 5 }, (_, c) => [
        `col_${c}`,
        {
          name: `col_${c}`,
          description: `Column ${c} of ${name}: what it holds and where it comes from.`,
          meta: {},
          data_type: null,
          constraints: [],
          quote: null,
          tags: [],
        },
      ]),
    );
    const compiled = `select ${Object.keys(columns).join(", ")}\nfrom ${parents.map((p) => `"bench"."main"."${p.split(".").pop()}"`).join("\njoin ")}\nwhere col_0 is not null`;
    const entry = {
      ...model,
      unique_id: id,
      name,
      alias: name,
      fqn: ["bench", `layer_${layer}`, name],
      path: `layer_${layer}/${name}.sql`,
      original_file_path: `models/layer_${layer}/${name}.sql`,
      description: `Model ${models} of layer ${layer}, built from ${parents.length} upstream relation(s).`,
      columns,
      raw_code: compiled.replace(/"bench"\."main"\."(\w+)"/g, "{{ ref('$1') }}"),
      compiled_code: compiled,
      depends_on: { macros: [], nodes: parents },
      refs: parents.map((p) => ({ name: p.split(".").pop(), package: null, version: null })),
    };
    nodes[id] = entry;
    parentMap[id] = parents;
    layers[layer].push(id);
    size += JSON.stringify(entry).length + id.length * 2 + JSON.stringify(parents).length;
    models++;
    for (const kind of ["unique", "not_null"]) {
      const testId = `test.bench.${kind}_${name}_col_0.${models.toString(16).padStart(10, "0")}`;
      const t = { ...test, unique_id: testId, name: `${kind}_${name}_col_0`, column_name: "col_0", attached_node: id, depends_on: { macros: [], nodes: [id] } };
      nodes[testId] = t;
      parentMap[testId] = [id];
      size += JSON.stringify(t).length + testId.length * 2 + id.length;
      tests++;
    }
  }
  const childMap: Record<string, string[]> = Object.fromEntries(Object.keys(parentMap).map((k) => [k, [] as string[]]));
  for (const [child, parents] of Object.entries(parentMap)) for (const p of parents) childMap[p].push(child);
  const manifest = { ...fixture, metadata: { ...fixture.metadata, project_name: "bench" }, nodes, sources: {}, parent_map: parentMap, child_map: childMap };
  return { text: JSON.stringify(manifest), models, tests };
}
