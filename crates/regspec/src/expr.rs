//! Sample filters and variable expressions: the language lives in `measures::expr` (one
//! grammar for filters and declared variables); re-exported here for the runner.

pub use measures::expr::*;
