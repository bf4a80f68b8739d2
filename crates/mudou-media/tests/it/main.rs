//! The one integration-test binary of mudou-media. Fixtures are generated in code.

mod archive;
mod dataset;
mod decode;
mod fixtures;
mod fuzz;
mod manifest;
mod store;
