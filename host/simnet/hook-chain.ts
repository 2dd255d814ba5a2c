// The order in which lightningd asks the plugins registered for one hook
// (cln-offers-flow-digest §1.7): every hook is chainable at CLN's HEAD, and
// the chain is a topological sort of the registrations' before/after lists,
// ties broken by load order.

/**
 * §1.7 hook order: a registration with `before: [X]` runs before plugin X's,
 * one with `after: [X]` after it (names = plugin short names; names nobody
 * has are ignored); otherwise load order. Undefined when the constraints
 * form a cycle.
 */
export function orderChain<T extends { plugin: string; loadOrder: number; before: string[]; after: string[] }>(list: readonly T[]): T[] | undefined {
  const regs = [...list].sort((a, b) => a.loadOrder - b.loadOrder);
  const edges = new Map<T, Set<T>>(regs.map((r) => [r, new Set<T>()]));
  for (const r of regs) {
    for (const o of regs) {
      if (o === r) continue;
      if (r.before.includes(o.plugin)) edges.get(r)!.add(o); // r runs before o
      if (r.after.includes(o.plugin)) edges.get(o)!.add(r); // o runs before r
    }
  }
  const indeg = new Map<T, number>(regs.map((r) => [r, 0]));
  for (const s of edges.values()) for (const o of s) indeg.set(o, indeg.get(o)! + 1);
  const out: T[] = [];
  const ready = regs.filter((r) => indeg.get(r) === 0);
  while (ready.length) {
    ready.sort((a, b) => a.loadOrder - b.loadOrder);
    const r = ready.shift()!;
    out.push(r);
    for (const o of edges.get(r)!) {
      indeg.set(o, indeg.get(o)! - 1);
      if (indeg.get(o) === 0) ready.push(o);
    }
  }
  return out.length === regs.length ? out : undefined;
}
