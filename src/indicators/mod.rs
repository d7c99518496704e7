//! The indicator engine's domain logic: periods, indicator definitions and targets, and the
//! +1/−1 steps each resident and household adds to the running counts. No SQL, no HTTP.

pub mod catalog;
pub mod period;
pub mod steps;

pub use catalog::{Definition, Figure, Kind, Progress, Target, Timing};
pub use period::{Month, Period};
