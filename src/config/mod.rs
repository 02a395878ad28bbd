//! What the operator configures: the Mongo access file and the environment documents.

pub mod env_validate;
pub mod environment;
pub mod mongo_conf;

pub use environment::{ConfigError, Environment, Section};
pub use mongo_conf::{MongoConf, MongoConfError, DEFAULT_MONGO_CONF};
