//! Cộng Đồng Số: the system that runs the work of the Community Digital Technology Teams.

pub mod auth;
pub mod businesses;
pub mod charts;
pub mod cli;
pub mod codes;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod error;
pub mod fieldwork;
pub mod funding;
pub mod guides;
pub mod import;
pub mod indicators;
pub mod memory;
pub mod password_policy;
pub mod plan;
pub mod reports;
pub mod scoring;
pub mod text;
pub mod trainings;
pub mod web;
pub mod xlsx;

pub use error::{AppError, Result};
