//! Integration tests of mudou-consensus (one binary, one module per area).

mod agreement;
mod bbox;
mod common;
mod datasets;
mod incremental;
mod multilabel;
mod pairwise;
mod props;
mod quality;
mod shapes;
