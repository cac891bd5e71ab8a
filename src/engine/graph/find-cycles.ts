/**
 * Finds dependency cycles with an iterative DFS (no recursion: 10,000-step chains must not blow
 * the stack). Each cycle is listed in execution order and closed: `[build, test, deploy, build]`
 * means test needs build, deploy needs test, build needs deploy. Needs naming unknown ids are ignored.
 */
export function findCycles(ids: readonly string[], needsOf: (id: string) => readonly string[], limit = 10): string[][] {
  const known = new Set(ids);
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const cycles: string[][] = [];
  for (const start of ids) {
    if (state.has(start)) continue;
    const stack: { id: string; needs: readonly string[]; next: number }[] = [{ id: start, needs: needsOf(start), next: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (!top) break;
      if (top.next >= top.needs.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const need = top.needs[top.next++] as string;
      if (!known.has(need)) continue;
      const s = state.get(need);
      if (s === undefined) {
        state.set(need, 1);
        stack.push({ id: need, needs: needsOf(need), next: 0 });
      } else if (s === 1) {
        // Stack (walked along "needs") from `need` to top is the cycle; reverse it to execution order.
        const from = stack.findIndex((f) => f.id === need);
        const walked = stack.slice(from).map((f) => f.id);
        const cycle = [...walked].reverse();
        cycle.push(cycle[0] as string);
        cycles.push(cycle);
        if (cycles.length >= limit) return cycles;
      }
    }
  }
  return cycles;
}
