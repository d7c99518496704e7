//! Fixed code lists: the (code, Vietnamese label) pairs that forms offer, imports read, the
//! sync checks and the database stores. Plain data, so the domain (an import's member list,
//! a phone's resident change) can check a code without reaching up into `db`.

/// A team member's position.
pub const POSITIONS: [(&str, &str); 3] = [
    ("leader", "Tổ trưởng"),
    ("deputy", "Tổ phó"),
    ("member", "Tổ viên"),
];

/// The body a team member comes from.
pub const AFFILIATIONS: [(&str, &str); 9] = [
    ("youth_union", "Đoàn Thanh niên"),
    ("women_union", "Hội Phụ nữ"),
    ("farmers_union", "Hội Nông dân"),
    ("veterans", "Hội Cựu chiến binh"),
    ("police", "Công an"),
    ("hamlet_head", "Trưởng ấp"),
    ("commune_leader", "Lãnh đạo UBND xã"),
    ("enterprise", "Doanh nghiệp"),
    ("other", "Khác"),
];

/// Whether a resident still lives in the hamlet.
pub const RESIDENT_STATUSES: [(&str, &str); 3] = [
    ("living", "Đang cư trú"),
    ("moved", "Đã chuyển đi"),
    ("deceased", "Đã mất"),
];

/// How a resident gave or withdrew their consent to be recorded.
pub const CONSENT_METHODS: [(&str, &str); 4] = [
    ("in_person", "Trực tiếp, bằng lời"),
    ("paper", "Ký giấy"),
    ("phone", "Qua điện thoại"),
    ("field_app", "Tại nhà, ghi trên ứng dụng thực địa"),
];

/// The label of `code` in `list`; empty for a code the list does not have.
pub fn label(list: &[(&str, &'static str)], code: &str) -> &'static str {
    list.iter().find(|(c, _)| *c == code).map_or("", |(_, l)| l)
}

pub fn resident_status_label(code: &str) -> &'static str {
    label(&RESIDENT_STATUSES, code)
}
