//! The subcommands of the `calipso` binary.
