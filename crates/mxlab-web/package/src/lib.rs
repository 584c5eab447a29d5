//! MX Lab's script-tag package: `cargo xtask dist`'s build of [`mxlab_web`]'s
//! browser entry points (`mount`, `unmount`, `version`, with their
//! TypeScript types). It adds no code; it exists so that the package is a
//! library of one crate type, which cargo links with LTO.
#![forbid(unsafe_code)]

pub use mxlab_web::*;
