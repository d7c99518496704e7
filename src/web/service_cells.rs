//! A resident's service statuses as the cells of a row: the household page shows one row per
//! resident, the resident page one row.

use crate::db::residents::ServiceStatus;
use crate::db::services;

pub struct StatusCell {
    pub short: String,
    pub status: String,
    pub label: &'static str,
    pub date: String,
}

/// One cell per active service, for one resident.
pub fn status_cells(
    services: &[services::Service],
    statuses: &[ServiceStatus],
    resident_id: i64,
) -> Vec<StatusCell> {
    services
        .iter()
        .map(|sv| {
            let st = statuses
                .iter()
                .find(|x| x.resident_id == resident_id && x.service_code == sv.code);
            let status = st.map_or("none", |x| x.status.as_str()).to_string();
            StatusCell {
                short: sv.short_name.clone(),
                label: services::status_label(&status),
                date: st
                    .map(|x| crate::text::format_date(&x.status_date))
                    .unwrap_or_default(),
                status,
            }
        })
        .collect()
}
