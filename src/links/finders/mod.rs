//! The link finders of `link_finders.json`, each a pure function over the in-memory
//! [`Workspace`] (links-and-cliques.md §2).

mod implicit;
mod instance_vnics;
mod oteps;
mod pnics;
mod vconnectors;
mod vedges;
mod vservice_vnics;

use super::{LinkError, Workspace};
use crate::doc::Object;

pub use implicit::{derived_type, find_implicit_links};

/// One finder, named as in `link_finders.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finder {
    InstanceVnics,
    Oteps,
    Vconnectors,
    Vedges,
    VserviceVnics,
    Pnics,
    Implicit,
}

impl Finder {
    pub const ALL: [Finder; 7] = [
        Finder::InstanceVnics,
        Finder::Oteps,
        Finder::Vconnectors,
        Finder::Vedges,
        Finder::VserviceVnics,
        Finder::Pnics,
        Finder::Implicit,
    ];

    pub fn class_name(self) -> &'static str {
        match self {
            Finder::InstanceVnics => "FindLinksForInstanceVnics",
            Finder::Oteps => "FindLinksForOteps",
            Finder::Vconnectors => "FindLinksForVconnectors",
            Finder::Vedges => "FindLinksForVedges",
            Finder::VserviceVnics => "FindLinksForVserviceVnics",
            Finder::Pnics => "FindLinksForPnics",
            Finder::Implicit => "FindImplicitLinks",
        }
    }

    pub fn from_class_name(name: &str) -> Option<Finder> {
        Finder::ALL.into_iter().find(|f| f.class_name() == name)
    }

    pub fn run(self, ws: &mut Workspace) -> Result<(), LinkError> {
        match self {
            Finder::InstanceVnics => instance_vnics::run(ws),
            Finder::Oteps => oteps::run(ws),
            Finder::Vconnectors => vconnectors::run(ws),
            Finder::Vedges => vedges::run(ws),
            Finder::VserviceVnics => vservice_vnics::run(ws),
            Finder::Pnics => pnics::run(ws),
            Finder::Implicit => implicit::run(ws),
        }
    }
}

/// The error for a document the original dereferenced without a check ("crash" in the spec).
fn missing(finder: Finder, what: String) -> LinkError {
    LinkError::Data {
        finder: finder.class_name(),
        detail: what,
    }
}

/// `get_by_id` that fails the phase when the document is required.
fn required(
    ws: &Workspace,
    finder: Finder,
    id: &str,
    what: impl FnOnce() -> String,
) -> Result<Object, LinkError> {
    ws.inventory.by_id(id).ok_or_else(|| {
        missing(
            finder,
            format!("{} (id '{id}') not found in inventory", what()),
        )
    })
}

/// `pnic["Link detected"] == "yes"`.
fn link_detected(pnic: &Object) -> bool {
    pnic.get_str("Link detected").ok() == Some("yes")
}
