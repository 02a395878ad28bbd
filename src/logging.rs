//! Log records: to stderr and to the `messages` collection (scan-cli.md §8).
