//! Vietnamese personal names for the demo commune.
//!
//! Weights follow the rough shares of family names in the South (Huỳnh and Võ are far more
//! common there than Hoàng and Vũ), and middle names shift with the generation: older people
//! are overwhelmingly "Văn"/"Thị", younger ones much less so.

use rand::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

/// Family names with weights in tenths of a percent.
pub const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Huỳnh", 50),
    ("Phan", 45),
    ("Võ", 42),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 14),
    ("Ngô", 13),
    ("Dương", 10),
    ("Hoàng", 10),
    ("Lý", 6),
    ("Vũ", 8),
    ("Trương", 9),
    ("Đinh", 5),
    ("Lâm", 5),
    ("Mai", 4),
    ("Tô", 3),
    ("Châu", 4),
    ("Cao", 4),
    ("Lưu", 3),
    ("Thái", 3),
    ("Đoàn", 4),
    ("Tạ", 2),
    ("La", 2),
    ("Kiều", 1),
    ("Văn", 2),
];

const MALE_MIDDLE_OLD: &[(&str, u32)] = &[
    ("Văn", 60),
    ("Hữu", 8),
    ("Minh", 6),
    ("Thành", 5),
    ("Công", 5),
    ("Quốc", 4),
    ("Đức", 3),
    ("Thanh", 4),
    ("Tấn", 5),
];

const MALE_MIDDLE_YOUNG: &[(&str, u32)] = &[
    ("Văn", 20),
    ("Minh", 14),
    ("Quốc", 10),
    ("Gia", 10),
    ("Hoàng", 8),
    ("Thành", 8),
    ("Đức", 7),
    ("Hữu", 5),
    ("Công", 5),
    ("Nhật", 5),
    ("Anh", 4),
    ("Bảo", 4),
];

const FEMALE_MIDDLE_OLD: &[(&str, u32)] = &[
    ("Thị", 70),
    ("Ngọc", 8),
    ("Kim", 6),
    ("Thu", 4),
    ("Thanh", 4),
    ("Mỹ", 3),
    ("Bích", 3),
    ("Hồng", 2),
];

const FEMALE_MIDDLE_YOUNG: &[(&str, u32)] = &[
    ("Thị", 15),
    ("Ngọc", 14),
    ("Thanh", 8),
    ("Thu", 7),
    ("Kim", 6),
    ("Mỹ", 6),
    ("Bảo", 7),
    ("Gia", 7),
    ("Khánh", 6),
    ("Thùy", 6),
    ("Phương", 5),
    ("Minh", 5),
    ("Hồng", 3),
];

const MALE_GIVEN: &[&str] = &[
    "An", "Bảo", "Bình", "Cường", "Chiến", "Danh", "Dũng", "Duy", "Đạt", "Đức", "Đông", "Định",
    "Đăng", "Hải", "Hào", "Hậu", "Hiếu", "Hòa", "Hoàng", "Hùng", "Hưng", "Huy", "Khang", "Khánh",
    "Khoa", "Kiệt", "Lâm", "Lộc", "Lợi", "Long", "Luân", "Mạnh", "Minh", "Nam", "Nghĩa", "Nhân",
    "Nhựt", "Phát", "Phong", "Phúc", "Phước", "Quang", "Quân", "Sang", "Sơn", "Tài", "Tâm", "Tân",
    "Tấn", "Thắng", "Thành", "Thiện", "Thịnh", "Tín", "Toàn", "Trí", "Trung", "Tuấn", "Tùng",
    "Vinh", "Vũ", "Việt",
];

const FEMALE_GIVEN: &[&str] = &[
    "Anh",
    "Cúc",
    "Diệp",
    "Dung",
    "Duyên",
    "Đào",
    "Điệp",
    "Đoan",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hồng",
    "Huệ",
    "Hương",
    "Kiều",
    "Lan",
    "Lệ",
    "Liên",
    "Linh",
    "Loan",
    "Lụa",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Ngọc",
    "Nhung",
    "Nhi",
    "Oanh",
    "Phượng",
    "Quyên",
    "Tâm",
    "Thảo",
    "Thắm",
    "Thủy",
    "Thúy",
    "Trang",
    "Trinh",
    "Tuyết",
    "Uyên",
    "Vân",
    "Yến",
    "Xuân",
];

/// One item of a weighted list; an empty list or zero total weight falls back to the first item.
pub fn pick<T: Copy>(rng: &mut impl Rng, list: &[(T, u32)]) -> T {
    let total: u32 = list.iter().map(|(_, w)| w).sum();
    if total > 0 {
        let mut x = rng.gen_range(0..total);
        for (item, w) in list {
            if x < *w {
                return *item;
            }
            x -= w;
        }
    }
    list[0].0
}

pub fn family(rng: &mut impl Rng) -> &'static str {
    pick(rng, FAMILY)
}

/// A given name with a middle name fitting the person's generation.
pub fn middle_and_given(
    rng: &mut impl Rng,
    gender: Gender,
    birth_year: i32,
) -> (&'static str, &'static str) {
    let old = birth_year < 1985;
    let middles = match (gender, old) {
        (Gender::Male, true) => MALE_MIDDLE_OLD,
        (Gender::Male, false) => MALE_MIDDLE_YOUNG,
        (Gender::Female, true) => FEMALE_MIDDLE_OLD,
        (Gender::Female, false) => FEMALE_MIDDLE_YOUNG,
    };
    let givens = match gender {
        Gender::Male => MALE_GIVEN,
        Gender::Female => FEMALE_GIVEN,
    };
    loop {
        let middle = pick(rng, middles);
        let given = givens[rng.gen_range(0..givens.len())];
        // "Minh Minh", "Hoàng Hoàng" are not names.
        if middle != given {
            return (middle, given);
        }
    }
}

/// A full name, stored form (NFC, single spaces).
pub fn full_name(rng: &mut impl Rng, family: &str, gender: Gender, birth_year: i32) -> String {
    let (middle, given) = middle_and_given(rng, gender, birth_year);
    crate::text::clean(&format!("{family} {middle} {given}"))
}

/// A name for someone whose family is not otherwise fixed (team members, officials).
pub fn random_name(rng: &mut impl Rng, gender: Gender, birth_year: i32) -> String {
    let f = family(rng);
    full_name(rng, f, gender, birth_year)
}

/// Mobile prefixes in use (Viettel, VinaPhone, MobiFone), all 09/03/08/07.
const PHONE_PREFIXES: &[&str] = &[
    "096", "097", "098", "086", "032", "033", "034", "035", "036", "037", "038", "039", "091",
    "094", "088", "081", "082", "083", "084", "085", "090", "093", "089", "070", "076", "077",
    "078", "079",
];

/// A 10-digit mobile number.
pub fn phone(rng: &mut impl Rng) -> String {
    let prefix = PHONE_PREFIXES[rng.gen_range(0..PHONE_PREFIXES.len())];
    format!("{prefix}{:07}", rng.gen_range(0..10_000_000u32))
}
