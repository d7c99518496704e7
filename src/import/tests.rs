use super::cells::Raw;
use super::plan::{self, Action, Current, ExistingHousehold, ExistingResident, Hamlet};
use super::*;

fn t(s: &str) -> Raw {
    if s.is_empty() {
        Raw::Empty
    } else {
        Raw::Text(s.to_string())
    }
}

fn table(rows: &[&[&str]]) -> Vec<Vec<Raw>> {
    rows.iter()
        .map(|r| r.iter().map(|c| t(c)).collect())
        .collect()
}

fn hash(c: &str) -> String {
    format!("h{c}")
}

fn current() -> Current {
    Current {
        hamlets: vec![
            Hamlet {
                id: 1,
                name: "Ấp 1".into(),
                active: true,
            },
            Hamlet {
                id: 3,
                name: "Ấp 3".into(),
                active: true,
            },
            Hamlet {
                id: 9,
                name: "Ấp Cầu Xây".into(),
                active: false,
            },
        ],
        residents: vec![ExistingResident {
            id: 100,
            hamlet_id: 3,
            household_id: 10,
            household_code: "A3-001".into(),
            cccd_hash: Some(hash("072087001234")),
            full_name: "Nguyễn Văn An".into(),
            birth_date: Some("1987-03-05".into()),
            birth_year: Some(1987),
            gender: Some("male".into()),
            phone: Some("0912345678".into()),
            relation: Some("Chủ hộ".into()),
            has_smartphone: Some(1),
            notes: None,
            services_done: vec!["vneid".into()],
            active: true,
            erased: false,
            version: 1,
        }],
        households: vec![ExistingHousehold {
            id: 10,
            code: "A3-001".into(),
            hamlet_id: 3,
        }],
        services: ["vneid", "province_app", "zalo_group", "cashless"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        elsewhere: [hash("079190000999")].into_iter().collect(),
    }
}

const HEAD: &[&str] = &[
    "STT",
    "Mã hộ",
    "Ấp",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Số điện thoại",
    "VNeID mức 2",
    "Tây Ninh Smart",
    "Màu tóc",
];

#[test]
fn a_messy_list_gives_the_expected_preview() {
    let rows = table(&[
        &["DANH SÁCH NHÂN KHẨU"],
        &[],
        HEAD,
        // Same person as stored: unchanged, though written differently.
        &[
            "1",
            "A3-001",
            "ấp 03",
            "NGUYỄN VĂN AN",
            "5/3/1987",
            "nam",
            "072 087 001 234",
            "+84 912 345 678",
            "x",
            "",
            "đen",
        ],
        // Same person found by household + name + birth, new service: update.
        &[
            "2",
            "A3-001",
            "3",
            "Nguyễn Văn An",
            "05-03-1987",
            "Nam",
            "",
            "",
            "Có",
            "Đã cài",
            "",
        ],
        // A new person with an old 11-digit number, in the household.
        &[
            "3",
            "A3-001",
            "Ấp 3",
            "Lê Thị Bé",
            "1990",
            "Nữ",
            "",
            "01681234567",
            "Không",
            "Có",
            "",
        ],
        // Broken: CCCD says male born 1987, row says female.
        &[
            "4",
            "A3-002",
            "Ấp 3",
            "Trần Thị Cúc",
            "1987",
            "Nữ",
            "072087009999",
            "",
            "",
            "",
            "",
        ],
        // Unknown hamlet.
        &[
            "5",
            "A9-001",
            "Ấp 99",
            "Võ Văn Dũng",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        // Closed hamlet.
        &[
            "6",
            "",
            "Ấp Cầu Xây",
            "Phan Văn Em",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        // The same new person twice.
        &[
            "7",
            "A1-001",
            "Ấp 1",
            "Đỗ Thị Gấm",
            "01/01/2000",
            "Nữ",
            "",
            "",
            "",
            "",
            "",
        ],
        &[
            "8",
            "A1-001",
            "Ấp 1",
            "Đỗ Thị Gấm",
            "01/01/2000",
            "Nữ",
            "",
            "",
            "",
            "",
            "",
        ],
        &[],
        // Bad yes/no.
        &[
            "9",
            "A1-002",
            "Ấp 1",
            "Huỳnh Văn Hải",
            "",
            "",
            "",
            "",
            "có lẽ",
            "",
            "",
        ],
    ]);
    let sheet = residents(&rows, "2026-12-01").unwrap();
    assert_eq!(sheet.header_line, 3);
    assert_eq!(sheet.ignored_columns, vec!["Màu tóc".to_string()]);
    let p = plan::plan(sheet, &current(), &hash);
    let lines = |f: fn(&Action) -> bool| -> Vec<usize> {
        p.items
            .iter()
            .filter(|i| f(&i.action))
            .map(|i| i.line)
            .collect()
    };
    // Rows 4 and 5 of the sheet: the first is a repeat of the stored person.
    assert_eq!(lines(|a| matches!(a, Action::Unchanged { .. })), vec![4]);
    assert_eq!(
        lines(|a| matches!(a, Action::Update { .. })),
        Vec::<usize>::new(),
        "row 5 repeats row 4's person"
    );
    assert_eq!(lines(|a| matches!(a, Action::Add)), vec![6, 10]);
    let rejected: Vec<(usize, &str)> = p
        .rejected
        .iter()
        .map(|r| (r.line, r.column.as_str()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (5, "Họ và tên"),
            (7, "Số CCCD"),
            (8, "Ấp"),
            (9, "Ấp"),
            (11, "Họ và tên"),
            (13, "VNeID mức 2")
        ]
    );
    let reason = |line: usize| {
        p.rejected
            .iter()
            .find(|r| r.line == line)
            .unwrap()
            .reason
            .clone()
    };
    assert!(reason(5).contains("dòng 4"), "{}", reason(5));
    assert!(reason(7).contains("giới tính"), "{}", reason(7));
    assert!(reason(8).contains("Ấp 99"), "{}", reason(8));
    assert!(reason(9).contains("đã đóng"), "{}", reason(9));
    assert!(reason(11).contains("dòng 10"), "{}", reason(11));
    assert!(reason(13).contains("có lẽ"), "{}", reason(13));
    let be = p.items.iter().find(|i| i.line == 6).unwrap();
    assert_eq!(be.values.phone.as_deref(), Some("0381234567"));
    assert_eq!(be.values.birth_year, Some(1990));
    assert_eq!(be.services_done, vec!["province_app"]);
    assert_eq!(p.new_households.len(), 1, "only A1-001 is new");
    assert_eq!(p.new_households[0].code, "A1-001");
}

#[test]
fn an_update_names_what_changes_and_blank_cells_keep_stored_values() {
    let rows = table(&[
        &[
            "Ấp",
            "Họ và tên",
            "Số CCCD",
            "Số điện thoại",
            "Tây Ninh Smart",
            "Ghi chú",
        ],
        &[
            "Ấp 3",
            "Nguyễn Văn An",
            "072087001234",
            "",
            "Có",
            "Đã chuyển nhà",
        ],
    ]);
    let sheet = residents(&rows, "2026-12-01").unwrap();
    let p = plan::plan(sheet, &current(), &hash);
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    let item = &p.items[0];
    assert_eq!(
        item.action,
        Action::Update {
            id: 100,
            changes: vec!["ghi chú", "dịch vụ số"]
        }
    );
    assert_eq!(
        item.values.phone.as_deref(),
        Some("0912345678"),
        "blank phone keeps the stored one"
    );
    assert_eq!(
        item.values.household_code, "A3-001",
        "no code in the row: stays in the household"
    );
    assert_eq!(item.cccd, None, "the stored ID is not written again");
}

#[test]
fn ids_of_people_not_followed_or_of_another_commune_are_refused() {
    let rows = table(&[
        &["Ấp", "Họ và tên", "Số CCCD"],
        &["Ấp 3", "Người Đã Chuyển", "072190000888"],
        &["Ấp 3", "Người Xã Khác", "079190000999"],
    ]);
    let sheet = residents(&rows, "2026-12-01").unwrap();
    let mut cur = current();
    cur.residents.push(ExistingResident {
        id: 300,
        hamlet_id: 3,
        household_code: "A3-009".into(),
        cccd_hash: Some(hash("072190000888")),
        full_name: "Người Đã Chuyển".into(),
        active: false,
        ..Default::default()
    });
    cur.residents.push(ExistingResident {
        id: 301,
        hamlet_id: 3,
        household_code: "A3-009".into(),
        cccd_hash: Some(hash("072190000777")),
        full_name: "(Đã xóa theo yêu cầu)".into(),
        active: true,
        erased: true,
        ..Default::default()
    });
    let p = plan::plan(sheet.clone(), &cur, &hash);
    assert!(p.items.is_empty());
    assert!(
        p.rejected[0].reason.contains("ngừng theo dõi"),
        "{}",
        p.rejected[0].reason
    );
    assert!(
        p.rejected[1].reason.contains("xã khác"),
        "{}",
        p.rejected[1].reason
    );
    // Nor is anyone who asked to be erased imported again.
    let rows = table(&[
        &["Ấp", "Họ và tên", "Số CCCD"],
        &["Ấp 3", "Người Đã Xóa", "072190000777"],
    ]);
    let p = plan::plan(residents(&rows, "2026-12-01").unwrap(), &cur, &hash);
    assert!(p.items.is_empty());
    assert!(
        p.rejected[0].reason.contains("xóa dữ liệu"),
        "{}",
        p.rejected[0].reason
    );
    let _ = sheet;
}

#[test]
fn ambiguous_hamlets_and_births_are_not_guessed() {
    let mut cur = current();
    cur.hamlets.push(Hamlet {
        id: 11,
        name: "Khu phố 1".into(),
        active: true,
    });
    cur.residents.push(ExistingResident {
        id: 400,
        hamlet_id: 1,
        household_code: "NK-0001".into(),
        full_name: "Lê Thị Hạ".into(),
        active: true,
        ..Default::default()
    });
    cur.households.push(ExistingHousehold {
        id: 40,
        code: "NK-0001".into(),
        hamlet_id: 1,
    });
    let rows = table(&[
        &["Ấp", "Họ và tên", "Mã hộ"],
        &["1", "Nguyễn Văn Một", "X-1"],
        &["Khu phố 1", "Nguyễn Văn Hai", "X-2"],
        // Same letters without diacritics, no births on either side: a different person.
        &["Ấp 1", "Lê Thị Hà", ""],
        // A household code Excel turned into a number matches the stored one.
        &["Ấp 3", "Trần Văn Số", "0012"],
    ]);
    cur.households.push(ExistingHousehold {
        id: 12,
        code: "12".into(),
        hamlet_id: 3,
    });
    let p = plan::plan(residents(&rows, "2026-12-01").unwrap(), &cur, &hash);
    assert_eq!(p.rejected.len(), 1, "{:?}", p.rejected);
    assert!(
        p.rejected[0].reason.contains("nhiều ấp"),
        "{}",
        p.rejected[0].reason
    );
    let by_line = |l: usize| p.items.iter().find(|i| i.line == l).unwrap();
    assert_eq!(by_line(3).hamlet_id, 11, "the exact name decides");
    assert_eq!(by_line(4).action, Action::Add, "Hà is not Hạ");
    assert_eq!(by_line(5).values.household_code, "12");
    assert!(p.new_households.iter().all(|h| h.code != "0012"));
}

#[test]
fn look_alike_households_people_and_ids_are_not_guessed() {
    let mut cur = current();
    cur.households.push(ExistingHousehold {
        id: 12,
        code: "0012".into(),
        hamlet_id: 3,
    });
    cur.households.push(ExistingHousehold {
        id: 13,
        code: "12".into(),
        hamlet_id: 3,
    });
    for (id, code) in [(500, "A3-001"), (501, "A3-001")] {
        cur.residents.push(ExistingResident {
            id,
            hamlet_id: 3,
            household_code: code.into(),
            full_name: "Trần Văn Đôi".into(),
            birth_year: Some(2001),
            active: true,
            ..Default::default()
        });
    }
    // The same ID on a record no longer followed and on a followed one: the followed one.
    cur.residents.push(ExistingResident {
        id: 600,
        hamlet_id: 3,
        household_code: "A3-001".into(),
        cccd_hash: Some(hash("072087001234")),
        full_name: "Nguyễn Văn An".into(),
        active: false,
        ..Default::default()
    });
    let rows = table(&[
        &["Ấp", "Họ và tên", "Mã hộ", "Năm sinh", "Số CCCD"],
        &["Ấp 3", "Trần Văn Một", "012", "", ""],
        &["Ấp 3", "Trần Văn Hai", "0012", "", ""],
        &["Ấp 3", "Trần Văn Đôi", "A3-001", "2001", ""],
        &["Ấp 3", "Nguyễn Văn An", "A3-001", "1987", "072087001234"],
    ]);
    let p = plan::plan(residents(&rows, "2026-12-01").unwrap(), &cur, &hash);
    let reasons: Vec<(usize, &str)> = p
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].0 == 2 && reasons[0].1.contains("nhiều hộ"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].0 == 4 && reasons[1].1.contains("CCCD để phân biệt"),
        "{reasons:?}"
    );
    let by_line = |l: usize| p.items.iter().find(|i| i.line == l).unwrap();
    assert_eq!(
        by_line(3).values.household_code,
        "0012",
        "the exact code decides"
    );
    assert_eq!(by_line(5).action, Action::Unchanged { id: 100 });
}

#[test]
fn a_conflicting_id_is_refused() {
    let rows = table(&[
        &["Mã hộ", "Ấp", "Họ và tên", "Ngày sinh", "Số CCCD"],
        // Same household, name and birth as the stored person, but another ID.
        &[
            "A3-001",
            "Ấp 3",
            "Nguyễn Văn An",
            "05/03/1987",
            "072087005555",
        ],
        // Someone else claiming the stored person's ID.
        &[
            "A3-001",
            "Ấp 3",
            "Nguyễn Văn Bình",
            "05/03/1987",
            "072087001234",
        ],
    ]);
    let sheet = residents(&rows, "2026-12-01").unwrap();
    let p = plan::plan(sheet, &current(), &hash);
    assert_eq!(
        p.items.len(),
        1,
        "the second row updates the ID's owner: {:?}",
        p.rejected
    );
    assert_eq!(p.rejected.len(), 1);
    assert!(
        p.rejected[0].reason.contains("khác số CCCD"),
        "{}",
        p.rejected[0].reason
    );
    assert!(
        matches!(&p.items[0].action, Action::Update { changes, .. } if changes.contains(&"họ tên"))
    );
}

#[test]
fn rows_without_household_codes_import_again_without_duplicates() {
    let code = plan::auto_household_code(1, "Đỗ Thị Gấm", "2000-01-01");
    assert_eq!(
        code,
        plan::auto_household_code(1, "ĐỖ THỊ GẤM", "2000-01-01")
    );
    assert_ne!(
        code,
        plan::auto_household_code(1, "Đỗ Thị Gấm", "2000-01-02")
    );
    let mut cur = current();
    cur.residents.push(ExistingResident {
        id: 200,
        hamlet_id: 1,
        household_id: 20,
        household_code: code.clone(),
        full_name: "Đỗ Thị Gấm".into(),
        birth_date: Some("2000-01-01".into()),
        birth_year: Some(2000),
        active: true,
        ..Default::default()
    });
    cur.households.push(ExistingHousehold {
        id: 20,
        code,
        hamlet_id: 1,
    });
    let rows = table(&[
        &["Ấp", "Họ và tên", "Ngày sinh"],
        &["Ấp 1", "Đỗ Thị Gấm", "01/01/2000"],
    ]);
    let sheet = residents(&rows, "2026-12-01").unwrap();
    let p = plan::plan(sheet, &cur, &hash);
    assert_eq!(p.items[0].action, Action::Unchanged { id: 200 });
    assert!(p.new_households.is_empty());
}

#[test]
fn the_header_row_must_name_hamlet_and_name() {
    let err = residents(
        &table(&[&["Tên ấp?", "Người"], &["Ấp 1", "An"]]),
        "2026-12-01",
    )
    .err()
    .unwrap();
    assert!(err.contains("«Ấp»") && err.contains("«Họ và tên»"), "{err}");
}

#[test]
fn member_lists() {
    let rows = table(&[
        &[
            "STT",
            "Họ và tên",
            "Ấp",
            "Chức danh",
            "Đơn vị",
            "Số điện thoại",
        ],
        &[
            "1",
            "Trần Thị Bích",
            "Ấp 3",
            "Tổ viên",
            "Hội Phụ nữ",
            "0987 654 321",
        ],
        &["2", "Lê Văn Cường", "Xã", "tổ trưởng", "VNPT", ""],
        &["3", "Phạm Văn Dư", "Ấp 3", "Chủ tịch", "", ""],
        &["4", "Ngô Thị Én", "Ấp 8", "", "", ""],
        &["5", "Trần Thị Bích", "ấp 03", "Tổ phó", "", ""],
    ]);
    let sheet = members::members(&rows).unwrap();
    let teams = vec![
        members::Team {
            id: 1,
            hamlet_name: None,
        },
        members::Team {
            id: 3,
            hamlet_name: Some("Ấp 3".into()),
        },
    ];
    let existing = vec![members::ExistingMember {
        id: 50,
        team_id: 3,
        full_name: "Trần Thị Bích".into(),
        phone: Some("0987654321".into()),
        position: "member".into(),
        affiliation: "women_union".into(),
        affiliation_detail: None,
        joined_on: Some("2026-01-05".into()),
    }];
    let p = members::plan(sheet, &teams, &existing);
    let actions: Vec<(usize, members::MemberAction)> =
        p.items.iter().map(|(l, _, a)| (*l, a.clone())).collect();
    assert_eq!(
        actions,
        vec![
            (2, members::MemberAction::Unchanged(50)),
            (3, members::MemberAction::Add)
        ]
    );
    let cuong = &p.items[1].1;
    assert_eq!(
        (
            cuong.team_id,
            cuong.position.as_str(),
            cuong.affiliation.as_str()
        ),
        (1, "leader", "enterprise")
    );
    assert_eq!(cuong.affiliation_detail.as_deref(), Some("VNPT"));
    let rejected: Vec<usize> = p.rejected.iter().map(|r| r.line).collect();
    assert_eq!(rejected, vec![4, 5, 6]);
    assert!(p.rejected[0].reason.contains("Chủ tịch"));
    assert!(p.rejected[2].reason.contains("dòng 2"));
}

#[test]
fn the_template_reads_back_with_its_headers_and_validation() {
    let bytes = template::residents().unwrap();
    let rows = read::table("mau.xlsx", &bytes).unwrap();
    let sheet = residents(&rows, "2026-12-01").unwrap();
    assert!(
        sheet.ignored_columns.is_empty(),
        "{:?}",
        sheet.ignored_columns
    );
    assert!(sheet.rejected.is_empty(), "{:?}", sheet.rejected);
    assert_eq!(sheet.rows.len(), 1);
    let r = &sheet.rows[0];
    assert_eq!(r.cccd.as_deref(), Some("072087001234"));
    assert_eq!(
        r.services_done,
        vec!["vneid", "digital_skills", "cashless", "zalo_group"]
    );
    // The drop-down lists are in the sheet's XML.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert_eq!(
        xml.matches("<dataValidation ").count(),
        13,
        "smartphone, 11 services and gender"
    );
    assert!(xml.contains("Có,Không"));
}

mod fuzz {
    use super::super::*;
    use proptest::prelude::*;

    fn raw() -> impl Strategy<Value = cells::Raw> {
        prop_oneof![
            Just(cells::Raw::Empty),
            any::<f64>().prop_map(cells::Raw::Number),
            any::<f64>().prop_map(cells::Raw::Date),
            any::<bool>().prop_map(cells::Raw::Bool),
            ".{0,30}".prop_map(cells::Raw::Text),
            "[0-9 .+E-]{0,16}".prop_map(cells::Raw::Text),
            "[ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý¡-ÿ a-zA-Z]{0,20}".prop_map(cells::Raw::Text),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn cell_readers_never_panic(c in raw()) {
            let _ = cells::yes_no(&c);
            let _ = cells::birth(&c, "2026-12-01");
            if let Ok(Some(id)) = cells::cccd(&c) {
                prop_assert_eq!(id.len(), 12);
                let _ = cells::cccd_agrees(&id, Some("male"), Some(1990));
            }
            if let Ok(Some(p)) = cells::phone(&c) {
                prop_assert_eq!(p.len(), 10);
            }
            let _ = cells::gender(&c);
            let _ = cells::hamlet_key(&c.shown());
            let _ = cells::person_name(&c.shown());
        }

        #[test]
        fn legacy_repair_never_panics_and_is_stable_on_its_output(s in ".{0,40}") {
            let once = legacy::repair(&s);
            let _ = legacy::score(&once);
        }

        #[test]
        fn whole_sheets_never_panic(rows in proptest::collection::vec(proptest::collection::vec(raw(), 0..8), 0..12)) {
            let mut table = vec![["Ấp", "Họ và tên", "Ngày sinh", "Số CCCD", "Số điện thoại", "Giới tính", "VNeID mức 2", "Mã hộ"]
                .iter().map(|h| cells::Raw::Text(h.to_string())).collect::<Vec<_>>()];
            table.extend(rows);
            let sheet = residents(&table, "2026-12-01").unwrap();
            let _ = plan::plan(sheet, &super::current(), &super::hash);
            let _ = members::members(&table);
        }

        #[test]
        fn csv_and_files_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = read::table("x.csv", &bytes);
            let _ = read::table("x.xlsx", &bytes);
            let _ = read::split_csv(&String::from_utf8_lossy(&bytes), ',');
        }
    }
}
