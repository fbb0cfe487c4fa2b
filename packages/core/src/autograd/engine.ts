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
 * Returns every node reachable from `root`, each after all nodes it depends on (inputs first,
 * `root` last). Iterative depth-first post-order.
 */
export function topologicalSort<N extends GraphNode>(root: N): N[] {
  const epoch = ++visitEpoch;
  const order: N[] = [];
  const stack: GraphNode[] = [root];
  const next: number[] = [0];
  root.visitMark = epoch;
  while (stack.length > 0) {
    const top = stack.length - 1;
    const node = stack[top]!;
    const i = next[top]!;
    const parents = node.parents;
    if (i < parents.length) {
      next[top] = i + 1;
      const parent = parents[i]!;
      if (parent.visitMark !== epoch) {
        parent.visitMark = epoch;
        stack.push(parent);
        next.push(0);
      }
    } else {
      stack.pop();
      next.pop();
      order.push(node as N);
    }
  }
  return order;
}

/**
 * The backward pass: orders everything reachable from `roots` topologically, lets `prepare` see
 * that order (inputs first), then visits the nodes from the outputs back to the leaves, so that
 * each node is visited only after every node that uses it has pushed its gradient contribution.
 * `Value.backward` and `Tensor.backward` both run through here; what a visit does (micrograd's
 * `_backward`, or a tensor op's vector–Jacobian product) belongs to the node type.
 */
export function backpropagate<N extends GraphNode>(
  roots: readonly N[],
  visit: (node: N) => void,
  prepare?: (order: readonly N[]) => void,
): void {
  let order: N[];
  if (roots.length === 1) order = topologicalSort(roots[0]!);
  else {
    // A synthetic node above several outputs, dropped from the order.
    order = topologicalSort<GraphNode>({ parents: roots, visitMark: 0 }) as N[];
    order.pop();
  }
  prepare?.(order);
  for (let i = order.length - 1; i >= 0; i--) visit(order[i]!);
}
