//! `calipso graph`: a clique, or the whole environment, as DOT, GraphML or JSON, from the
//! stored inventory, links and cliques.

use super::clique_types::write_output;
use super::common::MongoArgs;
use crate::cliques::graph::Graph;
use crate::config::MongoConf;
use crate::store::{Logical, Store};
use bson::{doc, oid::ObjectId, Bson, Document};
use clap::{ArgGroup, Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Graphml,
    Json,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("what").required(true).args(["focal_point", "all"])))]
pub struct GraphArgs {
    #[command(flatten)]
    pub mongo: MongoArgs,
    /// Environment name
    #[arg(short = 'e', long = "env")]
    pub env: String,
    /// The clique of this focal point (inventory `id`, or `_id` hex)
    #[arg(long = "focal-point", value_name = "ID")]
    pub focal_point: Option<String>,
    /// Every link of the environment
    #[arg(long)]
    pub all: bool,
    /// With --all: include implicit links (drawn dashed in DOT)
    #[arg(long, requires = "all")]
    pub implicit: bool,
    /// Output format
    #[arg(long, value_enum)]
    pub format: GraphFormat,
    /// Output file (default stdout)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
}

/// A failure with its exit code (1 runtime, 3 nothing to draw).
struct Failure(u8, String);

pub async fn run(args: GraphArgs) -> u8 {
    match build(&args).await {
        Ok(graph) => {
            let text = match args.format {
                GraphFormat::Dot => graph.to_dot(),
                GraphFormat::Graphml => graph.to_graphml(),
                GraphFormat::Json => format!(
                    "{}\n",
                    serde_json::to_string_pretty(&graph.to_json()).unwrap_or_default()
                ),
            };
            match write_output(args.output.as_deref(), &text) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("error: {e}");
                    1
                }
            }
        }
        Err(Failure(code, message)) => {
            eprintln!("error: {message}");
            code
        }
    }
}

async fn build(args: &GraphArgs) -> Result<Graph, Failure> {
    let runtime = |e: String| Failure(1, e);
    let conf = MongoConf::load(&args.mongo.mongo_config).map_err(|e| runtime(e.to_string()))?;
    let store = Store::connect(&conf, &args.mongo.inventory)
        .await
        .map_err(|e| runtime(e.to_string()))?;
    let env = args.env.as_str();
    let find = |logical, filter| {
        let store = store.clone();
        async move {
            store
                .find(logical, filter)
                .await
                .map_err(|e| Failure(1, e.to_string()))
        }
    };
    let (title, links, mut objects) = match &args.focal_point {
        Some(id) => {
            let focal = find_object(&store, env, id).await?;
            let focal_id = focal.get("_id").cloned().unwrap_or(Bson::Null);
            let clique = find(
                Logical::Cliques,
                doc! {"environment": env, "focal_point": focal_id},
            )
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Failure(
                    3,
                    format!("{id} is not the focal point of a clique in environment {env}"),
                )
            })?;
            let links: Vec<Document> = clique
                .get_array("links_detailed")
                .map(|a| a.iter().filter_map(|l| l.as_document().cloned()).collect())
                .unwrap_or_default();
            (format!("clique of {id}"), links, vec![focal])
        }
        None => {
            if store
                .count(Logical::Inventory, doc! {"environment": env})
                .await
                .map_err(|e| runtime(e.to_string()))?
                == 0
            {
                return Err(Failure(3, format!("environment {env} has no inventory")));
            }
            let mut filter = doc! {"environment": env};
            if !args.implicit {
                filter.insert("implicit", false);
            }
            (
                format!("environment {env}"),
                find(Logical::Links, filter).await?,
                Vec::new(),
            )
        }
    };
    let mut ends: Vec<Bson> = Vec::new();
    for l in &links {
        for end in ["source", "target"] {
            if let Some(v) = l.get(end) {
                if !ends.contains(v) {
                    ends.push(v.clone());
                }
            }
        }
    }
    objects.extend(find(Logical::Inventory, doc! {"_id": {"$in": ends}}).await?);
    Ok(Graph::from_documents(&title, &objects, &links))
}

/// The focal point by `id` in the environment, else by `_id` hex.
async fn find_object(store: &Store, env: &str, id: &str) -> Result<Document, Failure> {
    let by = |filter: Document| async move {
        store
            .find(Logical::Inventory, filter)
            .await
            .map(|d| d.into_iter().next())
            .map_err(|e| Failure(1, e.to_string()))
    };
    if let Some(d) = by(doc! {"environment": env, "id": id}).await? {
        return Ok(d);
    }
    if let Ok(oid) = ObjectId::parse_str(id) {
        if let Some(d) = by(doc! {"environment": env, "_id": oid}).await? {
            return Ok(d);
        }
    }
    Err(Failure(
        3,
        format!("no object with id {id} in environment {env}"),
    ))
}
