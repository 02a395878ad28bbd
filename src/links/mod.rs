//! Link finders (links-and-cliques.md §1–2). To be implemented.
