//! The running lab's current topology: readers take a snapshot (`current`), a change swaps in a
//! new one (`replace`). HTTP handlers and host commands read it per request, so a change shows in
//! every view from the next request on.

use crate::lab::model::Model;
use std::sync::{Arc, RwLock};

#[derive(Clone)]
pub struct LiveModel(Arc<RwLock<Arc<Model>>>);

impl LiveModel {
    pub fn new(model: Arc<Model>) -> Self {
        LiveModel(Arc::new(RwLock::new(model)))
    }

    /// The snapshot in force now.
    pub fn current(&self) -> Arc<Model> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, model: Arc<Model>) {
        match self.0.write() {
            Ok(mut guard) => *guard = model,
            Err(poisoned) => *poisoned.into_inner() = model,
        }
    }
}
