//! Tập huấn (issue 20): the plan's training of the teams (section II.2) — who organises, how,
//! and who still needs which topic this year. Plain functions, without HTTP or SQL.

use std::collections::{BTreeMap, HashSet};

/// The plan's topics, in its order; a commune may add its own (data, not code).
pub const TOPICS: [(&str, &str); 6] = [
    ("policies", "Chủ trương, chính sách về chuyển đổi số"),
    ("province_app", "Ứng dụng của tỉnh và các tính năng"),
    ("public_services", "Dịch vụ công trực tuyến và chữ ký số"),
    ("platforms", "Các nền tảng số"),
    ("data_safety", "An toàn thông tin, bảo vệ dữ liệu cá nhân"),
    ("digital_skills", "Kỹ năng số trên binhdanhocvuso.gov.vn"),
];

/// Who organises a session.
pub const ORGANISERS: [(&str, &str); 6] = [
    ("department", "Sở Khoa học và Công nghệ"),
    (
        "telecom",
        "Doanh nghiệp viễn thông (VNPT, Viettel, MobiFone)",
    ),
    ("post", "Bưu điện"),
    ("youth_union", "Đoàn Thanh niên"),
    ("commune", "UBND xã"),
    ("other", "Đơn vị khác"),
];

/// How it is taught.
pub const METHODS: [(&str, &str); 3] = [
    ("hands_on", "Cầm tay chỉ việc"),
    ("in_person", "Trực tiếp"),
    ("online", "Trực tuyến"),
];

/// What an attendee came away with.
pub const RESULTS: [(&str, &str); 2] = [("passed", "Đạt"), ("certificate", "Có chứng nhận")];

pub fn organiser_label(code: &str) -> &'static str {
    crate::codes::label(&ORGANISERS, code)
}

pub fn method_label(code: &str) -> &'static str {
    crate::codes::label(&METHODS, code)
}

pub fn result_label(code: &str) -> &'static str {
    crate::codes::label(&RESULTS, code)
}

/// A member as the training list needs them.
#[derive(Clone, Debug)]
pub struct Trainee {
    pub member_id: i64,
    pub name: String,
    pub team: String,
}

/// One line of "danh sách tập huấn": a member and the topics they have not attended this year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    pub member_id: i64,
    pub name: String,
    pub team: String,
    /// Topic ids, in the topics' order.
    pub topics: Vec<i64>,
}

/// Who still needs which topic: every member of `members` (the active ones) with the topics of
/// `topics` (id, in order) they did not attend (`attended`: member, topic) this year. Members
/// who need nothing are left out; the list comes by team, then as `members` is ordered.
pub fn needs(members: &[Trainee], topics: &[i64], attended: &HashSet<(i64, i64)>) -> Vec<Need> {
    let mut by_team: BTreeMap<&str, Vec<Need>> = BTreeMap::new();
    for m in members {
        let missing: Vec<i64> = topics
            .iter()
            .copied()
            .filter(|t| !attended.contains(&(m.member_id, *t)))
            .collect();
        if !missing.is_empty() {
            by_team.entry(m.team.as_str()).or_default().push(Need {
                member_id: m.member_id,
                name: m.name.clone(),
                team: m.team.clone(),
                topics: missing,
            });
        }
    }
    by_team.into_values().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_needs_the_topics_not_attended() {
        let m = |id, name: &str, team: &str| Trainee {
            member_id: id,
            name: name.into(),
            team: team.into(),
        };
        let members = vec![
            m(1, "An", "Tổ 2"),
            m(2, "Bình", "Tổ 1"),
            m(3, "Cường", "Tổ 1"),
        ];
        let attended: HashSet<(i64, i64)> = [(1, 10), (1, 11), (2, 10)].into_iter().collect();
        let got = needs(&members, &[10, 11], &attended);
        assert_eq!(
            got.iter()
                .map(|n| (n.member_id, n.topics.clone()))
                .collect::<Vec<_>>(),
            vec![(2, vec![11]), (3, vec![10, 11])],
            "An attended both and is left out; by team"
        );
    }
}
