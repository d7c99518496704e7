//! One generic form page for every create and edit form, and helpers to read form values.

use super::{Shell, render};
use crate::error::AppError;
use askama::Template;
use axum::response::Html;
use std::collections::HashMap;

/// The `year` of a query (`?year=2026`), this year when absent.
pub fn year_param(q: &HashMap<String, String>) -> Result<i64, AppError> {
    use crate::indicators::period::{self, Period};
    match q.get("year").map(|y| y.trim()).filter(|y| !y.is_empty()) {
        Some(y) => match Period::parse(y)? {
            Period::Year(y) => Ok(y),
            _ => Err(AppError::invalid("Chọn một năm, ví dụ 2026.")),
        },
        None => Ok(period::year_of(period::current_month())),
    }
}

/// A field as typed into a form that failed, to show it again (empty when none).
pub fn typed<'a>(typed: &'a HashMap<String, String>, k: &str) -> &'a str {
    typed.get(k).map_or("", String::as_str)
}

/// A page that shows a form again with what was typed (after a mistake), so nothing is lost.
pub trait TypedBack {
    fn typed_fields(&self) -> &HashMap<String, String>;
    /// What was typed in field `k`, or "".
    fn typed(&self, k: &str) -> &str {
        typed(self.typed_fields(), k)
    }
    fn is_typed(&self, k: &str, v: impl AsRef<str>) -> bool {
        self.typed(k) == v.as_ref()
    }
}

/// Free text of several lines from a form, cleaned (`text::clean_lines`) and at most `max`
/// characters, or a message saying which field is too long.
pub fn long_text(s: &str, what: &str, max: usize) -> Result<String, AppError> {
    let s = crate::text::clean_lines(s);
    if s.chars().count() > max {
        return Err(AppError::invalid(format!(
            "Phần «{what}» dài quá {max} ký tự; hãy viết gọn lại."
        )));
    }
    Ok(s)
}

pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// An `<input>` type, or `select`, `checkbox`, `textarea`.
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub help: &'static str,
    pub placeholder: &'static str,
}

impl Field {
    pub fn text(name: &'static str, label: &'static str, value: impl Into<String>) -> Field {
        Field {
            name,
            label,
            kind: "text",
            value: value.into(),
            options: vec![],
            required: false,
            help: "",
            placeholder: "",
        }
    }
    pub fn kind(mut self, kind: &'static str) -> Field {
        self.kind = kind;
        self
    }
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub fn help(mut self, help: &'static str) -> Field {
        self.help = help;
        self
    }
    pub fn placeholder(mut self, p: &'static str) -> Field {
        self.placeholder = p;
        self
    }
    pub fn select(
        name: &'static str,
        label: &'static str,
        value: impl Into<String>,
        options: &[(&str, &str)],
    ) -> Field {
        let mut f = Field::text(name, label, value).kind("select");
        f.options = options
            .iter()
            .map(|(v, l)| (v.to_string(), l.to_string()))
            .collect();
        f
    }
    pub fn select_owned(
        name: &'static str,
        label: &'static str,
        value: impl Into<String>,
        options: Vec<(String, String)>,
    ) -> Field {
        let mut f = Field::text(name, label, value).kind("select");
        f.options = options;
        f
    }
    pub fn checkbox(name: &'static str, label: &'static str, checked: bool) -> Field {
        Field::text(name, label, if checked { "1" } else { "" }).kind("checkbox")
    }
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub shell: Shell,
    pub heading: String,
    pub action: String,
    pub fields: Vec<Field>,
    pub submit: &'static str,
    pub cancel_href: String,
    pub error: Option<String>,
}

impl FormPage {
    pub fn render(self) -> Result<Html<String>, AppError> {
        render(&self)
    }
}

/// Submitted form values, trimmed, NFC.
pub struct Values(pub HashMap<String, String>);

impl Values {
    pub fn get(&self, k: &str) -> String {
        self.0
            .get(k)
            .map(|v| crate::text::clean(v))
            .unwrap_or_default()
    }
    pub fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k)).filter(|v| !v.is_empty())
    }
    pub fn checked(&self, k: &str) -> bool {
        self.0.get(k).is_some_and(|v| v == "1" || v == "on")
    }
    pub fn int(&self, k: &str, what: &str) -> Result<Option<i64>, AppError> {
        match self.opt(k) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid(format!("{what} phải là một số nguyên."))),
        }
    }
    /// A date field: accepts `yyyy-mm-dd` (date pickers) or `dd/mm/yyyy`.
    pub fn date(&self, k: &str, what: &str) -> Result<Option<String>, AppError> {
        match self.opt(k) {
            None => Ok(None),
            Some(v) => crate::text::parse_date(&v).map(Some).ok_or_else(|| {
                AppError::invalid(format!(
                    "{what} không hợp lệ: nhập theo dạng ngày/tháng/năm."
                ))
            }),
        }
    }
    pub fn phone(&self, k: &str) -> Result<Option<String>, AppError> {
        match self.opt(k) {
            None => Ok(None),
            Some(v) => crate::text::normalize_phone(&v).map(Some).ok_or_else(|| {
                AppError::invalid(format!(
                    "Số điện thoại «{v}» không hợp lệ: cần 10 chữ số, ví dụ 0901234567."
                ))
            }),
        }
    }
}

/// Shows the form again with what was typed and the reason, for errors the user can fix;
/// other errors propagate.
pub fn rerender(mut page: FormPage, e: AppError) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    if !e.status().is_client_error() {
        return Err(e);
    }
    let status = e.status();
    page.error = Some(e.user_message());
    Ok((status, page.render()?).into_response())
}
