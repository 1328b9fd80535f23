//! Test support for the workspace: an in-process fake of the JumpCloud APIs.

pub mod fake;
