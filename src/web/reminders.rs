//! The report reminders on the home page: the hamlets' monthly reports (the hamlet head's own,
//! the commune's completeness) and the commune's reports to the province (the commune admin's
//! own, the province's view of the communes).

use super::SharedState;
use crate::auth::{Caller, Role};
use crate::db::{self, areas, reports};
use crate::error::Result;
use crate::indicators::{Period, period};
use crate::reports::figures::{Completeness, Timeliness};

/// Every reminder for the caller: monthly reports first, then the commune's.
pub async fn for_caller(s: &SharedState, caller: &Caller) -> Result<Vec<Reminder>> {
    let mut out = monthly_reports(s, caller).await?;
    out.extend(commune_reports(s, caller).await?);
    Ok(out)
}

/// A line on the home page about a report: what is due soon and who is late.
pub struct Reminder {
    pub href: String,
    pub text: String,
    pub css: &'static str,
}

fn days_between(from: &str, to: &str) -> i64 {
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    match (d(from), d(to)) {
        (Some(a), Some(b)) => (b - a).num_days(),
        _ => 0,
    }
}

fn names(c: &Completeness, t: Timeliness) -> Vec<String> {
    c.hamlets
        .iter()
        .filter(|h| h.timeliness == t)
        .map(|h| h.hamlet_name.clone())
        .collect()
}

/// The hamlets' monthly reports, this month's and last month's, as the caller needs to hear
/// of them.
async fn monthly_reports(s: &SharedState, caller: &Caller) -> Result<Vec<Reminder>> {
    let Some(commune) = caller.commune_id else {
        return Ok(Vec::new());
    };
    let today = s.settings.today();
    let now = period::month_of_date(&today).unwrap_or_else(period::current_month);
    let days = db::settings::due_days(&s.db, commune).await?;
    let mut out = Vec::new();
    let due_text = |m: period::Month| {
        let due = period::due_date(m, days.for_month(&period::month_code(m)));
        let left = days_between(&today, &due);
        let when = if left > 0 {
            format!("còn {left} ngày")
        } else if left == 0 {
            "hạn chót hôm nay".to_string()
        } else {
            format!("đã quá hạn {} ngày", -left)
        };
        (crate::text::format_date(&due), when, left)
    };
    match caller.role {
        Role::HamletHead => {
            for m in [now - 1, now] {
                let Some(r) = reports::get(&s.db, caller.area_id, &period::month_code(m))
                    .await?
                    .filter(|r| r.status != "draft")
                else {
                    let (due, when, left) = due_text(m);
                    if m == now || left < 0 {
                        out.push(Reminder {
                            href: format!(
                                "/reports/{}/{}",
                                area_code(s, caller.area_id).await?,
                                period::month_code(m)
                            ),
                            text: format!(
                                "Báo cáo {} chưa nộp: hạn {due}, {when}.",
                                Period::Month(m).label_lower()
                            ),
                            css: if left < 0 {
                                "behind"
                            } else if left <= 5 {
                                "track"
                            } else {
                                "none"
                            },
                        });
                    }
                    continue;
                };
                if r.status == "returned" {
                    out.push(Reminder {
                        href: format!(
                            "/reports/{}/{}",
                            area_code(s, caller.area_id).await?,
                            r.month
                        ),
                        text: format!(
                            "Báo cáo {} bị trả lại: {}",
                            Period::Month(m).label_lower(),
                            r.review_comment
                        ),
                        css: "behind",
                    });
                }
            }
        }
        Role::CommuneAdmin | Role::CommuneLeader | Role::Finance => {
            let current = reports::completeness(&s.db, commune, now, &today).await?;
            let (due, when, left) = due_text(now);
            let waiting: Vec<String> = names(&current, Timeliness::NotYetDue)
                .into_iter()
                .chain(names(&current, Timeliness::Missing))
                .collect();
            out.push(Reminder {
                href: format!("/reports?month={}", current.month),
                text: format!(
                    "Báo cáo {}: hạn {due} ({when}); đã nộp {}/{} ấp.{}",
                    Period::Month(now).label_lower(),
                    current.submitted(),
                    current.expected(),
                    if waiting.is_empty() || left > 7 {
                        String::new()
                    } else {
                        format!(" Sắp đến hạn, chưa nộp: {}.", waiting.join(", "))
                    }
                ),
                css: if left <= 7 && !waiting.is_empty() {
                    "track"
                } else {
                    "none"
                },
            });
            let previous = reports::completeness(&s.db, commune, now - 1, &today).await?;
            let missing = names(&previous, Timeliness::Missing);
            let late = names(&previous, Timeliness::Late);
            if !missing.is_empty() || !late.is_empty() {
                let mut text = format!("{}:", Period::Month(now - 1).label());
                if !missing.is_empty() {
                    text.push_str(&format!(" quá hạn, chưa nộp: {}.", missing.join(", ")));
                }
                if !late.is_empty() {
                    text.push_str(&format!(" Nộp trễ: {}.", late.join(", ")));
                }
                out.push(Reminder {
                    href: format!("/reports?month={}", previous.month),
                    text,
                    css: "behind",
                });
            }
        }
        _ => {}
    }
    Ok(out)
}

/// What the commune admin and the province need to hear on the home page: last month's
/// commune report (due in this month) — not sent yet, or returned — and, for the province,
/// which communes are late or waiting to be acknowledged.
async fn commune_reports(s: &SharedState, caller: &Caller) -> Result<Vec<Reminder>> {
    let today = s.settings.today();
    let last = period::month_of_date(&today).unwrap_or_else(period::current_month) - 1;
    let label = Period::Month(last).label_lower();
    let month = period::month_code(last);
    let mut out = Vec::new();
    match caller.role {
        Role::CommuneAdmin if caller.area_level == "commune" => {
            let Some(commune) = areas::get(&s.db, caller.area_id).await? else {
                return Ok(out);
            };
            let Some(province) = commune.parent_id else {
                return Ok(out);
            };
            // A commune opened this month owes no report for the last.
            let open = db::commune_reports::communes_open_in(&s.db, province, last..=last).await?;
            if open.iter().all(|c| c.id != commune.id) {
                return Ok(out);
            }
            let href = format!("/reports/commune/{}/{month}", commune.code);
            let r = db::commune_reports::get(&s.db, commune.id, &month).await?;
            if let Some(r) = r.as_ref().filter(|r| r.status == "returned") {
                out.push(Reminder {
                    href,
                    text: format!("Sở trả lại báo cáo {label} của xã: {}", r.review_comment),
                    css: "behind",
                });
            } else if r.as_ref().is_none_or(|r| !r.sent()) {
                let due = db::commune_reports::due_days(&s.db, province)
                    .await?
                    .due_date(last);
                let late = Timeliness::of(None, &due, &today) == Timeliness::Missing;
                out.push(Reminder {
                    href,
                    text: format!(
                        "Báo cáo {label} của xã chưa gửi Sở: hạn {}{}.",
                        crate::text::format_date(&due),
                        if late { ", đã quá hạn" } else { "" }
                    ),
                    css: if late { "behind" } else { "track" },
                });
            }
        }
        Role::ProvinceViewer if caller.area_level == "province" => {
            let c = db::commune_reports::completeness(&s.db, caller.area_id, last, &today).await?;
            let waiting = c
                .communes
                .iter()
                .filter(|r| r.status == "submitted")
                .count();
            let missing: Vec<&str> = c
                .communes
                .iter()
                .filter(|r| r.timeliness == Timeliness::Missing)
                .map(|r| r.name.as_str())
                .collect();
            let mut text = format!(
                "Báo cáo {label} của các xã: đã gửi {}/{}, chờ Sở tiếp nhận {waiting}.",
                c.submitted(),
                c.expected()
            );
            if !missing.is_empty() {
                text.push_str(&format!(" Quá hạn chưa gửi: {}.", missing.join(", ")));
            }
            out.push(Reminder {
                href: format!("/reports?month={month}"),
                text,
                css: if missing.is_empty() { "none" } else { "behind" },
            });
        }
        _ => {}
    }
    Ok(out)
}

async fn area_code(s: &SharedState, id: i64) -> Result<String> {
    Ok(areas::get(&s.db, id)
        .await?
        .map(|a| a.code)
        .unwrap_or_default())
}
