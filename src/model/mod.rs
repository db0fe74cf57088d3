//! The shared model: the network, its worksheet's columns and their one definition each, the
//! expression they are written in, the engine that computes rows from them, the catalogue of
//! known mistakes and the finite-difference check. It reads no file, writes none, and prints
//! nothing: the readers, writers and the command line all stand on it.

pub(crate) mod cache;
pub mod columns;
pub mod engine;
pub mod expr;
pub mod gradient_check;
pub mod mistakes;
pub mod network;
pub mod variant;
