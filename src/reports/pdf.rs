//! Writes a report document as pdf.

use super::Document;
use crate::error::{AppError, Result};

pub fn render(_doc: &Document) -> Result<Vec<u8>> {
    Err(AppError::Internal("chưa có".into()))
}
