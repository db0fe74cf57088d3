//! Plumbing with no knowledge of networks or workbooks: files written atomically and named safely, the parts of
//! an Office Open XML package read and written as XML, panics of other people's code contained,
//! work spread over the cores in order.

pub(crate) mod names;
pub(crate) mod ooxml;
pub(crate) mod output;
pub(crate) mod panics;
pub(crate) mod parallel;
