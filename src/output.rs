//! The one output layer: progress bars on a terminal, human text to stderr, JSON to stdout.
