pub mod compile;
pub mod eval;
pub mod index;
pub mod load;
pub mod report;
pub mod source;
pub mod syntax;
