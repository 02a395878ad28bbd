//! The metadata-driven scanner (scanner.md).
