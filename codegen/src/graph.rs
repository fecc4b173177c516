//! Directed graphs over `0..n` given as successor lists: the strongly connected components
//! (reference cycles for lint, recursive groups of types for the model) and the longest chain
//! through them.

/// The strongly connected components of the graph, each sorted, in reverse topological order:
/// every component comes after the components it has edges to (Tarjan's algorithm, which
/// finds them in that order).
pub(crate) fn strongly_connected(successors: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct Tarjan<'a> {
        successors: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        found: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            for &w in &self.successors[v] {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                self.found.push(component);
            }
        }
    }
    let n = successors.len();
    let mut tarjan = Tarjan {
        successors,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in 0..n {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    tarjan.found
}

/// Whether a component (from [`strongly_connected`]) is a cycle: more than one node, or one
/// with an edge to itself.
pub(crate) fn is_cycle(successors: &[Vec<usize>], component: &[usize]) -> bool {
    match component {
        [only] => successors[*only].contains(only),
        _ => true,
    }
}

/// The heaviest path of the graph, by the sum of its nodes' `weights`, counting every node of
/// each cycle the path enters as on it: an upper bound on the weight of a simple path, found in
/// linear time.
pub(crate) fn longest_chain(successors: &[Vec<usize>], weights: &[usize]) -> usize {
    let components = strongly_connected(successors);
    let mut component_of = vec![0; successors.len()];
    for (c, nodes) in components.iter().enumerate() {
        for &v in nodes {
            component_of[v] = c;
        }
    }
    // Reverse topological order: the components a component leads to are already measured.
    let mut heaviest = vec![0usize; components.len()];
    for (c, nodes) in components.iter().enumerate() {
        let onward = nodes
            .iter()
            .flat_map(|&v| &successors[v])
            .map(|&w| component_of[w])
            .filter(|&d| d != c)
            .map(|d| heaviest[d])
            .max()
            .unwrap_or(0);
        heaviest[c] = nodes.iter().map(|&v| weights[v]).sum::<usize>() + onward;
    }
    heaviest.into_iter().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_come_after_those_they_lead_to() {
        // 0 -> 1 <-> 2 -> 3, and 4 alone with a self-loop.
        let graph = vec![vec![1], vec![2], vec![1, 3], vec![], vec![4]];
        let components = strongly_connected(&graph);
        assert_eq!(components, [vec![3], vec![1, 2], vec![0], vec![4]]);
        let cycles: Vec<&Vec<usize>> = components.iter().filter(|c| is_cycle(&graph, c)).collect();
        assert_eq!(cycles, [&vec![1, 2], &vec![4]]);
    }

    #[test]
    fn the_longest_chain_counts_each_cycle_whole() {
        assert_eq!(longest_chain(&[], &[]), 0);
        // A chain of three, weighing 1, 2 and 4.
        assert_eq!(longest_chain(&[vec![1], vec![2], vec![]], &[1, 2, 4]), 7);
        // Two rings of three joined by an edge, entered from a node before them: 1 + 3 + 3.
        let rings = vec![
            vec![1],
            vec![2],
            vec![3],
            vec![1, 4],
            vec![5],
            vec![6],
            vec![4],
        ];
        assert_eq!(longest_chain(&rings, &[1; 7]), 7);
    }
}
