/**
 * Kahn's algorithm. Returns the ids in an order where every id comes after its needs, or
 * `undefined` when the graph has a cycle. Needs naming unknown ids are ignored.
 */
export function topologicalSort(ids: readonly string[], needsOf: (id: string) => readonly string[]): string[] | undefined {
  const known = new Set(ids);
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const id of ids) {
    let count = 0;
    for (const need of new Set(needsOf(id))) {
      if (!known.has(need)) continue;
      count++;
      const list = dependents.get(need);
      if (list) list.push(id);
      else dependents.set(need, [id]);
    }
    indegree.set(id, count);
  }
  const queue = ids.filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    order.push(id);
    for (const dep of dependents.get(id) ?? []) {
      const left = (indegree.get(dep) ?? 0) - 1;
      indegree.set(dep, left);
      if (left === 0) queue.push(dep);
    }
  }
  return order.length === known.size ? order : undefined;
}
