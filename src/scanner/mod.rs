//! The metadata-driven scanner (scanner.md): the tree of `scanners.json`, environment
//! conditions, the breadth-first walk, and the save step that turns fetched objects into
//! inventory documents.

pub mod condition;
pub mod engine;
pub mod lock;
pub mod metadata;
pub mod plan;
pub mod save;

pub use engine::{InventoryStats, ScanError, Scanner};
pub use metadata::{MetadataError, ScannerTree};
pub use plan::{PlanInput, ScanPlan};
