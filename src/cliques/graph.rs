//! A clique or an environment as a graph (nodes: inventory objects, edges: links) and its
//! renderings: Graphviz DOT, GraphML and JSON. Node labels are type and name, edge labels the
//! link type.

use crate::doc::id_string;
use bson::{Bson, Document};
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The inventory document's `_id` (hex), unique within the graph.
    pub key: String,
    /// The object's `id`.
    pub id: String,
    pub object_type: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub source: String,
    pub target: String,
    pub link_type: String,
    pub link_name: String,
    pub state: String,
    pub implicit: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub title: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

fn text(d: &Document, key: &str) -> String {
    d.get(key).and_then(id_string).unwrap_or_default()
}

fn key_of(v: Option<&Bson>) -> String {
    match v {
        Some(Bson::ObjectId(o)) => o.to_hex(),
        Some(other) => id_string(other).unwrap_or_default(),
        None => String::new(),
    }
}

impl Graph {
    /// `objects`: raw inventory documents; `links`: raw link documents. An endpoint missing from
    /// `objects` (a dangling link) becomes a node of type `unknown` named by its id.
    pub fn from_documents(title: &str, objects: &[Document], links: &[Document]) -> Graph {
        let mut nodes: Vec<Node> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for o in objects {
            let key = key_of(o.get("_id"));
            if seen.contains_key(&key) {
                continue;
            }
            seen.insert(key.clone(), nodes.len());
            let name = Some(text(o, "name"))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| text(o, "id"));
            nodes.push(Node {
                key,
                id: text(o, "id"),
                object_type: text(o, "type"),
                name,
            });
        }
        let mut edges = Vec::new();
        for l in links {
            let link_type = text(l, "link_type");
            let mut types = link_type.splitn(2, '-');
            let ends = [("source", types.next()), ("target", types.next())];
            let mut keys = Vec::new();
            for (end, end_type) in ends {
                let key = key_of(l.get(end));
                if !seen.contains_key(&key) {
                    let id = text(l, &format!("{end}_id"));
                    seen.insert(key.clone(), nodes.len());
                    nodes.push(Node {
                        key: key.clone(),
                        id: id.clone(),
                        object_type: end_type.unwrap_or("unknown").to_string(),
                        name: id,
                    });
                }
                keys.push(key);
            }
            edges.push(Edge {
                source: keys[0].clone(),
                target: keys[1].clone(),
                link_type,
                link_name: text(l, "link_name"),
                state: text(l, "state"),
                implicit: l.get_bool("implicit").unwrap_or(false),
            });
        }
        Graph {
            title: title.to_string(),
            nodes,
            edges,
        }
    }

    pub fn to_dot(&self) -> String {
        let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out = format!("digraph {} {{\n  node [shape=box];\n", q(&self.title));
        for n in &self.nodes {
            let label = format!("{}\\n{}", escape_dot(&n.object_type), escape_dot(&n.name));
            out.push_str(&format!("  {} [label=\"{label}\"];\n", q(&n.key)));
        }
        for e in &self.edges {
            let style = if e.implicit { ", style=dashed" } else { "" };
            out.push_str(&format!(
                "  {} -> {} [label={}{style}];\n",
                q(&e.source),
                q(&e.target),
                q(&e.link_type)
            ));
        }
        out.push_str("}\n");
        out
    }

    pub fn to_graphml(&self) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
        );
        for (id, target) in [
            ("label", "node"),
            ("type", "node"),
            ("name", "node"),
            ("object_id", "node"),
            ("link_type", "edge"),
            ("link_name", "edge"),
            ("state", "edge"),
            ("implicit", "edge"),
        ] {
            out.push_str(&format!(
                "  <key id=\"{id}\" for=\"{target}\" attr.name=\"{id}\" attr.type=\"string\"/>\n"
            ));
        }
        out.push_str(&format!(
            "  <graph id=\"{}\" edgedefault=\"directed\">\n",
            xml(&self.title)
        ));
        for n in &self.nodes {
            out.push_str(&format!("    <node id=\"{}\">\n", xml(&n.key)));
            let label = format!("{} {}", n.object_type, n.name);
            for (k, v) in [
                ("label", &label),
                ("type", &n.object_type),
                ("name", &n.name),
                ("object_id", &n.id),
            ] {
                out.push_str(&format!("      <data key=\"{k}\">{}</data>\n", xml(v)));
            }
            out.push_str("    </node>\n");
        }
        for (i, e) in self.edges.iter().enumerate() {
            out.push_str(&format!(
                "    <edge id=\"e{i}\" source=\"{}\" target=\"{}\">\n",
                xml(&e.source),
                xml(&e.target)
            ));
            let implicit = e.implicit.to_string();
            for (k, v) in [
                ("link_type", &e.link_type),
                ("link_name", &e.link_name),
                ("state", &e.state),
                ("implicit", &implicit),
            ] {
                out.push_str(&format!("      <data key=\"{k}\">{}</data>\n", xml(v)));
            }
            out.push_str("    </edge>\n");
        }
        out.push_str("  </graph>\n</graphml>\n");
        out
    }

    pub fn to_json(&self) -> Value {
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .map(|n| {
                json!({"key": n.key, "id": n.id, "type": n.object_type, "name": n.name,
                "label": format!("{} {}", n.object_type, n.name)})
            })
            .collect();
        let edges: Vec<Value> = self
            .edges
            .iter()
            .map(|e| json!({"source": e.source, "target": e.target, "link_type": e.link_type,
                "link_name": e.link_name, "state": e.state, "implicit": e.implicit, "label": e.link_type}))
            .collect();
        json!({"title": self.title, "nodes": nodes, "edges": edges})
    }
}

/// Text inside a DOT double-quoted label (where `\n` is the line break we insert ourselves).
fn escape_dot(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::{doc, oid::ObjectId};

    #[test]
    fn renders_nodes_and_edges_with_escaping() {
        let (a, b) = (ObjectId::new(), ObjectId::new());
        let objects = [
            doc! {"_id": a, "id": "i1", "type": "instance", "name": "vm \"1\" <x>"},
            doc! {"_id": b, "id": "v1", "type": "vnic", "name": "tap1"},
        ];
        let links = [
            doc! {"source": a, "target": b, "source_id": "i1", "target_id": "v1",
            "link_type": "instance-vnic", "link_name": "n", "state": "up", "implicit": false},
        ];
        let g = Graph::from_documents("clique", &objects, &links);
        assert_eq!(g.nodes.len(), 2);
        let dot = g.to_dot();
        assert!(dot.contains(&format!(
            "\"{}\" [label=\"instance\\nvm \\\"1\\\" <x>\"];",
            a.to_hex()
        )));
        assert!(dot.contains(&format!(
            "\"{}\" -> \"{}\" [label=\"instance-vnic\"];",
            a.to_hex(),
            b.to_hex()
        )));
        let ml = g.to_graphml();
        assert!(ml.contains("<data key=\"name\">vm &quot;1&quot; &lt;x&gt;</data>"));
        assert_eq!(g.to_json()["edges"][0]["label"], "instance-vnic");
    }

    #[test]
    fn dangling_endpoints_become_nodes() {
        let links = [
            doc! {"source": ObjectId::new(), "target": ObjectId::new(), "source_id": "x",
            "target_id": "y", "link_type": "vnic-vedge"},
        ];
        let g = Graph::from_documents("t", &[], &links);
        assert_eq!(g.nodes[0].object_type, "vnic");
        assert_eq!(g.nodes[1].name, "y");
    }
}
