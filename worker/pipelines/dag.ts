/** Graph helpers over a pipeline's tasks (pure; used by validation and by the run engine). */

export interface DagNode {
  id: string;
  depends_on: readonly string[];
}

/** An edge that closes a cycle: `tasks[taskIndex].depends_on[depIndex]`, and the cycle it closes. */
export interface CycleEdge {
  taskIndex: number;
  depIndex: number;
  /** Task ids along "depends on" edges, first id repeated at the end: `a → b → a` is ["a", "b", "a"]. */
  cycle: string[];
}

/**
 * Every back edge found by a depth-first search in spec order, each with the cycle it closes.
 * Unknown ids and self-dependencies are skipped here (validation reports them on their own).
 */
export function findCycles(nodes: readonly DagNode[]): CycleEdge[] {
  const index = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (!index.has(n.id)) index.set(n.id, i);
  });
  const state = new Array<0 | 1 | 2>(nodes.length).fill(0); // 0 new, 1 on the stack, 2 done
  const stack: number[] = [];
  const found: CycleEdge[] = [];

  // Iterative DFS: a spec may hold hundreds of tasks in a chain and recursion depth is not free in workerd.
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== 0 || index.get(nodes[root].id) !== root) continue;
    const frames: Array<{ node: number; next: number }> = [{ node: root, next: 0 }];
    state[root] = 1;
    stack.push(root);
    while (frames.length) {
      const frame = frames[frames.length - 1];
      const deps = nodes[frame.node].depends_on;
      if (frame.next >= deps.length) {
        state[frame.node] = 2;
        stack.pop();
        frames.pop();
        continue;
      }
      const depIndex = frame.next++;
      const target = index.get(deps[depIndex]);
      if (target === undefined || target === frame.node) continue;
      if (state[target] === 1) {
        const from = stack.indexOf(target);
        const cycle = stack.slice(from).map((i) => nodes[i].id);
        found.push({ taskIndex: frame.node, depIndex, cycle: [...cycle, nodes[target].id] });
      } else if (state[target] === 0) {
        state[target] = 1;
        stack.push(target);
        frames.push({ node: target, next: 0 });
      }
    }
  }
  return found;
}

/**
 * Task ids in an order where every task comes after everything it depends on; among tasks that are
 * ready at the same time, spec order wins, so the order is stable across pushes.
 * Throws on a cycle or an unknown dependency (validated specs have neither).
 */
export function topoOrder(nodes: readonly DagNode[]): string[] {
  const position = new Map(nodes.map((n, i) => [n.id, i]));
  const remaining = nodes.map((n) => {
    for (const dep of n.depends_on) if (!position.has(dep)) throw new Error(`task "${n.id}" depends on unknown task "${dep}"`);
    return new Set(n.depends_on).size;
  });
  const dependents = nodes.map(() => [] as number[]);
  nodes.forEach((n, i) => new Set(n.depends_on).forEach((dep) => dependents[position.get(dep)!].push(i)));

  const order: string[] = [];
  // Ready tasks kept sorted by spec position; specs are small, so a sorted array beats a heap for clarity.
  const ready = remaining.flatMap((count, i) => (count === 0 ? [i] : []));
  while (ready.length) {
    const next = ready.shift()!;
    order.push(nodes[next].id);
    for (const child of dependents[next]) {
      if (--remaining[child] === 0) {
        const at = ready.findIndex((r) => r > child);
        ready.splice(at === -1 ? ready.length : at, 0, child);
      }
    }
  }
  if (order.length !== nodes.length) throw new Error("the tasks' depends_on form a cycle");
  return order;
}
