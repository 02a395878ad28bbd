//! Clique builders (links-and-cliques.md §3–7). To be implemented.
