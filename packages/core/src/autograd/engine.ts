/**
 * The one backward engine, shared by the scalar `Value` and the N-d `Tensor`.
 *
 * A graph node knows the nodes it was computed from. The engine orders the graph topologically
 * with an explicit stack (never recursion, so a chain of a million nodes is fine) and then visits
 * the nodes from the output back to the leaves; what a visit does (micrograd's `_backward`, or a
 * tensor op's vector–Jacobian product) belongs to the node type.
 */
export interface GraphNode {
  /** The nodes this one was computed from; leaves have none. */
  readonly parents: readonly GraphNode[];
  /** Engine bookkeeping: the last traversal that reached this node (a field, not a Set, for speed). */
  visitMark: number;
}

let visitEpoch = 0;

/**
 * Pushes the parents of `node` onto `stack`, last parent first (a walk then takes the first parent
 * first). For node types whose `parents` is a getter that builds an array (`Value` keeps one or
 * two parents in fields): the walk then allocates nothing per node. Parents already walked may be
 * pushed too; the walk skips them.
 */
export type PushParents<N extends GraphNode> = (node: N, stack: N[]) => void;

/**
 * Returns every node reachable from `root`, each after all nodes it depends on (inputs first,
 * `root` last): the post-order of a depth-first walk that takes each node's parents in order,
 * without recursion. A node's parents are read once (`pushParents` if given, else `parents`); a
 * node is marked "entered" when first taken off the stack (its parents pushed above it) and
 * "done" when taken off again; copies of a node pushed by several children are skipped once it is
 * entered (in a DAG a parent is never an entered node, which would be a cycle).
 *
 * @example
 * const a = new Value(2);
 * const b = a.mul(a).add(a);
 * topologicalSort(b).map((v) => v.op); // inputs first: ['', '*', '+']
 */
export function topologicalSort<N extends GraphNode>(root: N, pushParents?: PushParents<N>): N[] {
  const entered = ++visitEpoch;
  const done = ++visitEpoch;
  const order: N[] = [];
  const stack: N[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const mark = node.visitMark;
    if (mark === done) continue;
    if (mark === entered) {
      // Its parents, pushed above it, have all been emitted.
      node.visitMark = done;
      order.push(node);
      continue;
    }
    node.visitMark = entered;
    stack.push(node);
    if (pushParents !== undefined) {
      pushParents(node, stack);
      continue;
    }
    const parents = node.parents;
    // Pushed last-first, so the first parent is walked first (as a recursive walk would).
    for (let i = parents.length - 1; i >= 0; i--) {
      const parent = parents[i]!;
      const m = parent.visitMark;
      if (m !== entered && m !== done) stack.push(parent as N);
    }
  }
  return order;
}

/**
 * The backward pass: orders everything reachable from `roots` topologically, lets `prepare` see
 * that order (inputs first), then visits the nodes from the outputs back to the leaves, so that
 * each node is visited only after every node that uses it has pushed its gradient contribution.
 * `Value.backward` and `Tensor.backward` both run through here; what a visit does (micrograd's
 * `_backward`, or a tensor op's vector–Jacobian product) belongs to the node type, and so may
 * `pushParents` (see `topologicalSort`).
 *
 * @example
 * const a = new Value(2);
 * const ops: string[] = [];
 * backpropagate([a.mul(3).tanh()], (v) => ops.push(v.op)); // outputs first: ['tanh', '*', '', ''] (the 3 is a leaf too)
 */
export function backpropagate<N extends GraphNode>(
  roots: readonly N[],
  visit: (node: N) => void,
  prepare?: (order: readonly N[]) => void,
  pushParents?: PushParents<N>,
): void {
  let order: N[];
  if (roots.length === 1) order = topologicalSort(roots[0]!, pushParents);
  else {
    // A synthetic node above several outputs, dropped from the order.
    const top: GraphNode = { parents: roots, visitMark: 0 };
    const push: PushParents<GraphNode> | undefined =
      pushParents === undefined
        ? undefined
        : (node, stack) => {
            if (node !== top) pushParents(node as N, stack as N[]);
            else for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i]!);
          };
    order = topologicalSort(top, push) as N[];
    order.pop();
  }
  prepare?.(order);
  for (let i = order.length - 1; i >= 0; i--) visit(order[i]!);
}
