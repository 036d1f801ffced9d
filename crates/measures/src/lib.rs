//! `measures`: derived variables. The variable language of `regspec.yaml` and spec files
//! (`expr`: its parser; `eval`: its functions, column-wise, with what each needs of the data's
//! keys) and their application to a panel with every error at once (`vars`). The flagship
//! study's own code (its raw files, the measures built from them, the demo panel) is one module,
//! [`study`], that the generic modules do not use.

#![warn(missing_docs)]

pub mod eval;
pub mod expr;
pub mod study;
pub mod vars;
