//! Column headers matched to what they hold, ignoring case, diacritics, spacing and
//! punctuation, with the other names communes commonly give the same column.

use crate::text;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    HouseholdCode,
    Hamlet,
    Address,
    Relation,
    FullName,
    Birth,
    Gender,
    Cccd,
    Phone,
    Smartphone,
    /// A yes/no column for one service (its code).
    Service(&'static str),
    Notes,
    /// Member lists.
    Position,
    Affiliation,
    /// A row number column: known, not read.
    RowNumber,
}

/// The template's headers (PRODUCT.md §6), in its order, then the other names accepted.
pub const RESIDENT_COLUMNS: &[(Field, &str)] = &[
    (Field::HouseholdCode, "Mã hộ"),
    (Field::Hamlet, "Ấp"),
    (Field::Address, "Địa chỉ"),
    (Field::Relation, "Quan hệ với chủ hộ"),
    (Field::FullName, "Họ và tên"),
    (Field::Birth, "Ngày sinh"),
    (Field::Gender, "Giới tính"),
    (Field::Cccd, "Số CCCD"),
    (Field::Phone, "Số điện thoại"),
    (Field::Smartphone, "Điện thoại thông minh"),
    (Field::Service("vneid"), "VNeID mức 2"),
    (Field::Service("province_app"), "Tây Ninh Smart"),
    (Field::Service("digital_skills"), "Phổ cập kỹ năng số"),
    (Field::Service("public_services"), "Tài khoản dịch vụ công"),
    (Field::Service("cashless"), "Thanh toán không dùng tiền mặt"),
    (Field::Service("email"), "Email"),
    (Field::Service("vssid"), "VssID"),
    (Field::Service("health_book"), "Sổ sức khỏe điện tử"),
    (Field::Service("ecommerce"), "Gian hàng TMĐT"),
    (Field::Service("digital_signature"), "Chữ ký số"),
    (Field::Service("zalo_group"), "Tham gia nhóm Zalo ấp"),
    (Field::Notes, "Ghi chú"),
];

const ALIASES: &[(Field, &str)] = &[
    (Field::HouseholdCode, "Mã hộ gia đình"),
    (Field::HouseholdCode, "Mã số hộ"),
    (Field::HouseholdCode, "Số hộ"),
    (Field::Hamlet, "Tên ấp"),
    (Field::Hamlet, "Ấp/Khu phố"),
    (Field::Hamlet, "Khu phố"),
    (Field::Hamlet, "Thôn"),
    (Field::Address, "Địa chỉ thường trú"),
    (Field::Address, "Số nhà"),
    (Field::Relation, "Quan hệ"),
    (Field::Relation, "Quan hệ chủ hộ"),
    (Field::Relation, "QH với chủ hộ"),
    (Field::FullName, "Họ tên"),
    (Field::FullName, "Tên"),
    (Field::FullName, "Họ và tên nhân khẩu"),
    (Field::Birth, "Ngày tháng năm sinh"),
    (Field::Birth, "Ngày/tháng/năm sinh"),
    (Field::Birth, "Năm sinh"),
    (Field::Gender, "Nam/Nữ"),
    (Field::Gender, "Giới"),
    (Field::Cccd, "CCCD"),
    (Field::Cccd, "Số căn cước"),
    (Field::Cccd, "Số căn cước công dân"),
    (Field::Cccd, "Căn cước công dân"),
    (Field::Cccd, "Số định danh"),
    (Field::Cccd, "Số định danh cá nhân"),
    (Field::Cccd, "CCCD/CMND"),
    (Field::Cccd, "Số CCCD/CMND"),
    (Field::Phone, "Điện thoại"),
    (Field::Phone, "SĐT"),
    (Field::Phone, "Số ĐT"),
    (Field::Phone, "ĐT"),
    (Field::Phone, "Điện thoại liên hệ"),
    (Field::Smartphone, "Có điện thoại thông minh"),
    (Field::Smartphone, "Smartphone"),
    (Field::Smartphone, "ĐTTM"),
    (Field::Service("vneid"), "VNeID"),
    (Field::Service("vneid"), "Định danh mức 2"),
    (Field::Service("vneid"), "Tài khoản định danh điện tử mức 2"),
    (Field::Service("province_app"), "App Tây Ninh Smart"),
    (Field::Service("digital_skills"), "Bình dân học vụ số"),
    (Field::Service("digital_skills"), "Kỹ năng số"),
    (Field::Service("public_services"), "Dịch vụ công"),
    (Field::Service("public_services"), "Tài khoản DVC"),
    (Field::Service("cashless"), "Không dùng tiền mặt"),
    (Field::Service("cashless"), "Thanh toán không tiền mặt"),
    (Field::Service("email"), "Thư điện tử"),
    (Field::Service("email"), "Địa chỉ email"),
    (Field::Service("health_book"), "Sổ sức khoẻ điện tử"),
    (Field::Service("health_book"), "Sổ sức khỏe"),
    (Field::Service("ecommerce"), "Gian hàng thương mại điện tử"),
    (Field::Service("ecommerce"), "Gian hàng"),
    (Field::Service("digital_signature"), "Chữ kí số"),
    (Field::Service("zalo_group"), "Nhóm Zalo ấp"),
    (Field::Service("zalo_group"), "Nhóm Zalo"),
    (Field::Service("zalo_group"), "Zalo"),
    (Field::Service("scam_awareness"), "Nhận diện lừa đảo"),
    (Field::Notes, "Ghi chú khác"),
    (Field::RowNumber, "STT"),
    (Field::RowNumber, "TT"),
    (Field::RowNumber, "Số TT"),
    (Field::RowNumber, "Số thứ tự"),
];

pub const MEMBER_COLUMNS: &[(Field, &str)] = &[
    (Field::FullName, "Họ và tên"),
    (Field::Hamlet, "Ấp"),
    (Field::Position, "Chức danh"),
    (Field::Affiliation, "Đơn vị"),
    (Field::Phone, "Số điện thoại"),
];

const MEMBER_ALIASES: &[(Field, &str)] = &[
    (Field::Position, "Vai trò"),
    (Field::Position, "Chức vụ"),
    (Field::Position, "Vị trí"),
    (Field::Position, "Chức danh trong tổ"),
    (Field::Affiliation, "Thành phần"),
    (Field::Affiliation, "Đơn vị công tác"),
    (Field::Affiliation, "Cơ quan"),
    (Field::Affiliation, "Đoàn thể"),
];

/// A header reduced to letters and digits without diacritics.
pub fn key(header: &str) -> String {
    text::fold(header)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Residents,
    Members,
}

pub fn field_of(kind: Kind, header: &str) -> Option<Field> {
    let k = key(header);
    if k.is_empty() {
        return None;
    }
    let lists: [&[(Field, &str)]; 2] = match kind {
        Kind::Residents => [RESIDENT_COLUMNS, ALIASES],
        Kind::Members => [MEMBER_COLUMNS, MEMBER_ALIASES],
    };
    let found = lists
        .iter()
        .flat_map(|l| l.iter())
        .find(|(_, name)| key(name) == k)
        .map(|(f, _)| *f);
    match (kind, found) {
        (Kind::Members, None) if k == "stt" || k == "tt" => Some(Field::RowNumber),
        _ => found,
    }
}

/// The columns of a header row: which field each column holds, and the headers not
/// recognised (reported, then ignored) or repeated.
pub struct Columns {
    pub fields: Vec<(usize, Field)>,
    pub ignored: Vec<String>,
}

impl Columns {
    pub fn of(kind: Kind, headers: &[String]) -> Columns {
        let mut fields: Vec<(usize, Field)> = Vec::new();
        let mut ignored = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            if h.trim().is_empty() {
                continue;
            }
            match field_of(kind, h) {
                Some(Field::RowNumber) => {}
                Some(f) if fields.iter().any(|(_, g)| *g == f) => {
                    ignored.push(format!("{} (trùng cột đã có)", h.trim()));
                }
                Some(f) => fields.push((i, f)),
                None => ignored.push(h.trim().to_string()),
            }
        }
        Columns { fields, ignored }
    }

    pub fn has(&self, f: Field) -> bool {
        self.fields.iter().any(|(_, g)| *g == f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_ignoring_case_diacritics_and_spacing() {
        let r = Kind::Residents;
        assert_eq!(field_of(r, "Họ và tên"), Some(Field::FullName));
        assert_eq!(field_of(r, "HỌ VÀ TÊN"), Some(Field::FullName));
        assert_eq!(field_of(r, "ho va ten"), Some(Field::FullName));
        assert_eq!(field_of(r, "  Họ  và\ntên "), Some(Field::FullName));
        assert_eq!(field_of(r, "Số CCCD"), Some(Field::Cccd));
        assert_eq!(field_of(r, "so cccd"), Some(Field::Cccd));
        assert_eq!(field_of(r, "VNeID mức 2"), Some(Field::Service("vneid")));
        assert_eq!(
            field_of(r, "Tây Ninh Smart"),
            Some(Field::Service("province_app"))
        );
        assert_eq!(
            field_of(r, "Gian hàng TMĐT"),
            Some(Field::Service("ecommerce"))
        );
        assert_eq!(
            field_of(r, "Sổ sức khoẻ điện tử"),
            Some(Field::Service("health_book"))
        );
        assert_eq!(field_of(r, "ẤP"), Some(Field::Hamlet));
        assert_eq!(field_of(r, "Màu tóc"), None);
        for (f, h) in RESIDENT_COLUMNS {
            assert_eq!(field_of(r, h), Some(*f), "{h}");
        }
    }

    #[test]
    fn unknown_and_repeated_columns_are_reported() {
        let headers: Vec<String> = ["STT", "Họ và tên", "Ấp", "Màu tóc", "Họ tên", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = Columns::of(Kind::Residents, &headers);
        assert_eq!(c.fields, vec![(1, Field::FullName), (2, Field::Hamlet)]);
        assert_eq!(
            c.ignored,
            vec!["Màu tóc".to_string(), "Họ tên (trùng cột đã có)".into()]
        );
    }
}
