//! Kinh tế số (issue 20): the hamlets' household businesses and their digital steps — a shop on
//! an e-commerce platform, products listed, e-invoices, cashless payment, a social-media page.
//! A step is done once, on a day, and kept with its history like a resident's service. Plain
//! rules here: the kinds, the steps, what a change from a page or a phone becomes.

use crate::codes::label;
use crate::error::{AppError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const KINDS: [(&str, &str); 4] = [
    ("household", "Hộ kinh doanh"),
    ("producer", "Cơ sở sản xuất"),
    ("cooperative", "Hợp tác xã"),
    ("enterprise", "Doanh nghiệp"),
];

/// The digital steps, each kept as the day it was done (`<step>_on`).
pub const STEPS: [(&str, &str); 5] = [
    ("ecommerce", "Gian hàng trên sàn TMĐT"),
    ("listed", "Sản phẩm đã đăng bán"),
    ("einvoice", "Hóa đơn điện tử"),
    ("cashless", "Nhận thanh toán không dùng tiền mặt (QR)"),
    ("social", "Trang bán hàng trên mạng xã hội"),
];

pub const PLATFORMS: [(&str, &str); 7] = [
    ("voso", "Voso.vn"),
    ("postmart", "Postmart.vn"),
    ("shopee", "Shopee"),
    ("tiktok", "TikTok Shop"),
    ("lazada", "Lazada"),
    ("sendo", "Sendo"),
    ("other", "Sàn khác"),
];

/// The fields a change may touch, as the change log names them (the steps by their column).
pub const TRACKED: [&str; 10] = [
    "ecommerce_on",
    "listed_on",
    "einvoice_on",
    "cashless_on",
    "social_on",
    "platform",
    "shop_url",
    "phone",
    "products",
    "address",
];

pub fn kind_label(code: &str) -> &'static str {
    label(&KINDS, code)
}

pub fn step_label(code: &str) -> &'static str {
    label(&STEPS, code)
}

pub fn platform_label(code: &str) -> &'static str {
    label(&PLATFORMS, code)
}

/// The column of a step, or None for an unknown step.
pub fn step_column(step: &str) -> Option<&'static str> {
    TRACKED[..5]
        .iter()
        .copied()
        .find(|c| c.strip_suffix("_on") == Some(step))
}

/// How a tracked field reads on a page and in a conflict.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "platform" => "Sàn TMĐT",
        "shop_url" => "Địa chỉ gian hàng",
        "phone" => "Số điện thoại",
        "products" => "Sản phẩm",
        "address" => "Địa chỉ",
        f => f.strip_suffix("_on").map_or("", step_label),
    }
}

pub fn value_label(field: &str, value: Option<&str>) -> String {
    match (field, value) {
        (_, None) => "(chưa có)".to_string(),
        (f, Some(v)) if f.ends_with("_on") => format!("có, từ {}", crate::text::format_date(v)),
        ("platform", Some(v)) => platform_label(v).to_string(),
        (_, Some(v)) => v.to_string(),
    }
}

/// A step as a phone or a page sends it: done (on a day) or taken back.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct StepChange {
    pub done: bool,
    /// yyyy-mm-dd; the day it was done (today when absent).
    #[serde(default)]
    pub date: Option<String>,
    /// For `ecommerce`: voso, postmart, shopee, tiktok, lazada, sendo, other.
    #[serde(default)]
    pub platform: Option<String>,
    /// For `ecommerce`: the shop's address.
    #[serde(default)]
    pub link: Option<String>,
}

/// The details a phone or a page may change. Absent fields are left alone.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DetailChanges {
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub products: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// A shop's link as typed: an http(s) address, at most 300 characters.
pub fn check_link(link: &str) -> Result<String> {
    let l = link.trim();
    let lower = l.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || l.len() > 300
        || l.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AppError::invalid(
            "Địa chỉ gian hàng phải là một liên kết bắt đầu bằng https://, ví dụ https://voso.vn/shop/….",
        ));
    }
    Ok(l.to_string())
}

/// The steps and details as (field, new value) in the change log's text form, checked; the
/// dates with `check_date` (which knows today).
pub fn normalized(
    steps: &BTreeMap<String, StepChange>,
    details: &DetailChanges,
    check_date: impl Fn(&str) -> Result<String>,
    today: &str,
) -> Result<Vec<(&'static str, Option<String>)>> {
    let mut out = Vec::new();
    for (step, c) in steps {
        let column = step_column(step).ok_or_else(|| {
            AppError::invalid(format!(
                "Bước «{step}» không có; các bước: ecommerce, listed, einvoice, cashless, social."
            ))
        })?;
        let date = match (&c.date, c.done) {
            (_, false) => None,
            (Some(d), true) => Some(check_date(d)?),
            (None, true) => Some(today.to_string()),
        };
        out.push((column, date));
        if step == "ecommerce" && c.done {
            if let Some(p) = c.platform.as_deref().filter(|p| !p.is_empty()) {
                if platform_label(p).is_empty() {
                    return Err(AppError::invalid(
                        "Sàn TMĐT phải là: voso, postmart, shopee, tiktok, lazada, sendo hoặc other.",
                    ));
                }
                out.push(("platform", Some(p.to_string())));
            }
            if let Some(l) = c.link.as_deref().filter(|l| !l.trim().is_empty()) {
                out.push(("shop_url", Some(check_link(l)?)));
            }
        }
    }
    if let Some(p) = &details.phone {
        out.push(("phone", phone(p)?));
    }
    if let Some(p) = &details.products {
        out.push(("products", optional(p, 300, "Sản phẩm")?));
    }
    if let Some(a) = &details.address {
        out.push(("address", optional(a, 200, "Địa chỉ")?));
    }
    if out.is_empty() {
        return Err(AppError::invalid("Bản ghi không có thay đổi nào."));
    }
    Ok(out)
}

/// A phone number as typed, as 10 digits; blank is none.
fn phone(p: &str) -> Result<Option<String>> {
    let p = p.trim();
    if p.is_empty() {
        return Ok(None);
    }
    crate::text::normalize_phone(p).map(Some).ok_or_else(|| {
        AppError::invalid(format!(
            "Số điện thoại «{p}» không hợp lệ: cần 10 chữ số, bắt đầu bằng 0."
        ))
    })
}

/// Free text cleaned, at most `max` characters; blank is none.
fn optional(v: &str, max: usize, what: &str) -> Result<Option<String>> {
    let v = crate::text::clean(v);
    if v.chars().count() > max {
        return Err(AppError::invalid(format!("{what} dài quá {max} ký tự.")));
    }
    Ok((!v.is_empty()).then_some(v))
}

/// A step already done keeps its first day: marking it done again changes nothing (a step is
/// done once). Taking it back is a change.
pub fn keep_first_day(
    changes: Vec<(&'static str, Option<String>)>,
    current: impl Fn(&str) -> Option<String>,
) -> Vec<(&'static str, Option<String>)> {
    changes
        .into_iter()
        .filter(|(f, v)| !(f.ends_with("_on") && v.is_some() && current(f).is_some()))
        .collect()
}

/// A business is online once it has a shop on an e-commerce platform.
pub fn is_online(ecommerce_on: Option<&str>) -> bool {
    ecommerce_on.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(d: &str) -> Result<String> {
        Ok(d.to_string())
    }

    #[test]
    fn steps_become_their_columns_with_the_days() {
        let mut steps = BTreeMap::new();
        steps.insert(
            "ecommerce".to_string(),
            StepChange {
                done: true,
                date: Some("2026-11-02".into()),
                platform: Some("voso".into()),
                link: Some("https://voso.vn/shop/banh-trang".into()),
            },
        );
        steps.insert(
            "cashless".to_string(),
            StepChange {
                done: true,
                ..Default::default()
            },
        );
        steps.insert(
            "social".to_string(),
            StepChange {
                done: false,
                ..Default::default()
            },
        );
        let c = normalized(&steps, &DetailChanges::default(), ok, "2026-11-20").unwrap();
        assert_eq!(
            c,
            vec![
                ("cashless_on", Some("2026-11-20".to_string())),
                ("ecommerce_on", Some("2026-11-02".to_string())),
                ("platform", Some("voso".to_string())),
                (
                    "shop_url",
                    Some("https://voso.vn/shop/banh-trang".to_string())
                ),
                ("social_on", None),
            ]
        );
    }

    #[test]
    fn unknown_steps_platforms_and_links_are_refused() {
        let one = |step: &str, c: StepChange| {
            let mut m = BTreeMap::new();
            m.insert(step.to_string(), c);
            normalized(&m, &DetailChanges::default(), ok, "2026-11-20")
        };
        assert!(
            one(
                "bitcoin",
                StepChange {
                    done: true,
                    ..Default::default()
                }
            )
            .is_err()
        );
        let bad_platform = StepChange {
            done: true,
            platform: Some("amazon".into()),
            ..Default::default()
        };
        assert!(one("ecommerce", bad_platform).is_err());
        let bad_link = StepChange {
            done: true,
            link: Some("javascript:alert(1)".into()),
            ..Default::default()
        };
        assert!(one("ecommerce", bad_link).is_err());
        assert!(
            normalized(
                &BTreeMap::new(),
                &DetailChanges::default(),
                ok,
                "2026-11-20"
            )
            .is_err()
        );
    }

    #[test]
    fn a_step_done_keeps_its_first_day() {
        let changes = vec![
            ("ecommerce_on", Some("2026-11-20".to_string())),
            ("einvoice_on", Some("2026-11-20".to_string())),
            ("cashless_on", None),
        ];
        let kept = keep_first_day(changes, |f| {
            (f == "ecommerce_on" || f == "cashless_on").then(|| "2026-10-01".to_string())
        });
        assert_eq!(
            kept,
            vec![
                ("einvoice_on", Some("2026-11-20".to_string())),
                ("cashless_on", None)
            ]
        );
    }
}
