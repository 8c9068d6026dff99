//! The commands, one module each. Those that read exports share the
//! scheduler in [`crate::schedule`] and the per-county work in
//! [`crate::county`]; `init` reads samples of exports through
//! [`crate::init`].

pub mod check;
pub mod explain;
pub mod generate;
pub mod init;
pub mod run;
